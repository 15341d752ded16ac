"""The ``cluster-nlp`` command: one Typer app, one sub-module per stage."""

from __future__ import annotations

import typer

from cluster_nlp.cli import (
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
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
ingest.register(app)
classify.register(app)
entities.register(app)
export.register(app)
labels.register(app)
review.register(app)
app.add_typer(models.app, name="models")
app.add_typer(users.app, name="users")
app.add_typer(corpus.app, name="corpus", help="Check, render and extend the labelled corpus.")
