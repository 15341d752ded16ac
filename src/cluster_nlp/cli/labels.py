"""``export-labels`` and ``import-labels``: reviewed labels to and from other annotation tools."""

from pathlib import Path
from typing import Annotated

import typer

from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import fail, say, warn
from cluster_nlp.label_formats import ExchangeFormat


def register(app: typer.Typer) -> None:
    app.command("export-labels")(export_labels_command)
    app.command("import-labels")(import_labels_command)


TaxonomyOption = Annotated[
    Path | None,
    typer.Option(
        "--taxonomy",
        help="taxonomy YAML [default: the packaged one]",
        envvar="CLUSTER_NLP_TAXONOMY",
        show_envvar=True,
    ),
]


def _open(db: str | None, taxonomy: Path | None):
    from cluster_nlp.store.db import StoreError, open_store
    from cluster_nlp.taxonomy import TaxonomyError, load_taxonomy

    try:
        return open_store(db_url(db)), load_taxonomy(taxonomy)
    except (StoreError, TaxonomyError) as error:
        fail(str(error))


def export_labels_command(
    out: Annotated[Path, typer.Option("--out", help="file to write (a folder for corpus)")],
    fmt: Annotated[
        ExchangeFormat,
        typer.Option("--format", help="corpus, label-studio (JSON), prodigy (JSONL), spacy"),
    ] = ExchangeFormat.LABEL_STUDIO,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Write every reviewed document with its labels and entities for another tool."""
    from cluster_nlp.label_exchange import export_labels

    sessions, loaded = _open(db, taxonomy)
    written, skipped = export_labels(sessions, loaded, fmt, out)
    for reason in skipped:
        warn(f"skipped {reason}")
    say(f"{written} reviewed documents ({fmt.value}) -> {out}")


def import_labels_command(
    path: Annotated[Path, typer.Argument(help="Label Studio JSON or Prodigy JSONL file")],
    fmt: Annotated[
        ExchangeFormat, typer.Option("--format", help="label-studio or prodigy")
    ] = ExchangeFormat.LABEL_STUDIO,
    analyst: Annotated[
        str, typer.Option("--analyst", help="who decided, when a record does not say")
    ] = "import",
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Read labels made elsewhere back as decisions; unmatched texts become new documents."""
    from cluster_nlp.label_exchange import ExchangeError, import_labels, read_labels

    if fmt not in (ExchangeFormat.LABEL_STUDIO, ExchangeFormat.PRODIGY):
        fail("import reads --format label-studio or prodigy", code=2)
    sessions, loaded = _open(db, taxonomy)
    try:
        records, problems = read_labels(path, fmt, loaded)
    except ExchangeError as error:
        fail(str(error))
    report = import_labels(sessions, loaded, records, analyst)
    for problem in [*problems, *report.errors]:
        warn(f"skipped {problem}")
    say(
        f"{report.decisions} decisions: {report.by_id} records matched by id, "
        f"{report.by_path} by path, {report.created} stored as new documents; "
        f"{len(problems) + len(report.errors)} skipped"
    )
    if problems or report.errors:
        raise typer.Exit(1)
