"""The ``cluster-nlp`` command: one Typer app, one sub-module per stage.

The command modules do not postpone their annotations (no ``from __future__ import
annotations``): Typer reads every command's signature at every start, and string annotations
would be compiled and evaluated each time (about 0.02 s of an unchanged re-ingest's 0.3 s).
"""

from typing import Annotated

import typer

from cluster_nlp.cli import (
    browse,
    classify,
    corpus,
    entities,
    export,
    ingest,
    labels,
    models,
    review,
    users,
)

app = typer.Typer(
    name="cluster-nlp",
    help="Turn PDFs about AI and innovation clusters into tagged, searchable data.",
    no_args_is_help=True,
    # Help exactly as written: rich markup would eat our "[default ...]" notes, and rich's
    # help panels import markdown and syntax highlighting, a third of the start-up time.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"cluster-nlp {version('cluster-nlp')}")
        raise typer.Exit()


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Turn PDFs about AI and innovation clusters into tagged, searchable data."""


ingest.register(app)
browse.register(app)
classify.register(app)
entities.register(app)
export.register(app)
labels.register(app)
review.register(app)
app.add_typer(models.app, name="models")
app.add_typer(users.app, name="users")
app.add_typer(corpus.app, name="corpus", help="Check, render and extend the labelled corpus.")
