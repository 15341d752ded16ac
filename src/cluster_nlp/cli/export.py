"""``export``: the stored documents (or their entities) as JSONL, CSV, Parquet or Excel."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cluster_nlp.cli.common import DbOption, ModelsOption, db_url
from cluster_nlp.cli.output import fail, say


class Table(StrEnum):
    TAGS = "tags"
    ENTITIES = "entities"
    ALL = "all"


class Separator(StrEnum):
    COMMA = ","
    SEMICOLON = ";"


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)


def export_command(
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="jsonl, csv, parquet or xlsx; by default the one --out's suffix names "
            "(JSONL to standard output)",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    model: Annotated[
        str | None, typer.Option("--model", help="whose tags to export [current model]")
    ] = None,
    models: ModelsOption = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            "--taxonomy",
            help="taxonomy YAML for label names [default: the packaged one]",
            envvar="CLUSTER_NLP_TAXONOMY",
            show_envvar=True,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="file to write: .jsonl, .csv, .parquet or .xlsx [stdout]"),
    ] = None,
    table: Annotated[
        Table,
        typer.Option(
            "--table", help="tags (one row per document), entities, or all (xlsx: one sheet each)"
        ),
    ] = Table.TAGS,
    names: Annotated[
        str,
        typer.Option("--names", help="labels and regions named in ru, en, or by id"),
    ] = "ru",
    separator: Annotated[
        Separator,
        typer.Option("--separator", help="CSV separator: ';' for Russian-locale spreadsheets"),
    ] = Separator.COMMA,
) -> None:
    """Export every stored document: path, title, labels with scores and thresholds,
    evidence, top entities, regions; or every entity with its canonical name.

    Documents the model has not tagged (failed, awaiting OCR, not yet tagged) are exported
    with empty labels, so the export always lists the whole store.
    """
    from cluster_nlp.config import get_settings
    from cluster_nlp.export import (
        ENTITIES_TABLE,
        ExportFormat,
        FormatError,
        NameLanguage,
        document_rows,
        entity_rows,
        export_format,
        tags_table,
        write_table,
        write_workbook,
    )
    from cluster_nlp.registry import current_version
    from cluster_nlp.store.db import StoreError, open_store
    from cluster_nlp.taxonomy import TaxonomyError, load_taxonomy

    if fmt is not None and fmt not in set(ExportFormat):
        fail(f"--format {fmt!r}: use jsonl, csv, parquet or xlsx", code=2)
    if names not in set(NameLanguage):
        fail(f"--names {names!r}: use ru, en or id", code=2)
    try:
        chosen = export_format(out, ExportFormat(fmt) if fmt else None)
    except FormatError as error:
        fail(str(error), code=2)
    language = NameLanguage(names)
    if table is Table.ALL and chosen is not ExportFormat.XLSX:
        fail("--table all needs an Excel workbook (--out FILE.xlsx): one sheet per table", code=2)
    version = model or current_version(models or get_settings().models_dir)
    if version is None and table is not Table.ENTITIES:
        fail("no model promoted and no --model given: whose tags should be exported?", code=2)
    try:
        labels = load_taxonomy(taxonomy or get_settings().taxonomy)
        sessions = open_store(db_url(db), create=False)
        tags = (
            document_rows(sessions, version, labels, language)
            if table is not Table.ENTITIES
            else []
        )
        entities = entity_rows(sessions, language) if table is not Table.TAGS else []
    except (StoreError, TaxonomyError) as error:
        fail(str(error))
    if table is not Table.ENTITIES and tags and not any(row["model_version"] for row in tags):
        fail(f"no stored document is tagged by model {version!r}: run `cluster-nlp tag` first")
    if table is Table.ALL:
        write_workbook([(tags_table(labels), tags), (ENTITIES_TABLE, entities)], out)
        count = f"{len(tags)} documents, {len(entities)} entities"
    elif table is Table.ENTITIES:
        write_table(entities, ENTITIES_TABLE, chosen, out, separator.value)
        count = f"{len(entities)} entities"
    else:
        write_table(tags, tags_table(labels), chosen, out, separator.value)
        count = f"{len(tags)} documents ({version} tags)"
    if out is not None:
        say(f"{count} -> {out}")
