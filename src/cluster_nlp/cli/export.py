"""``export``: one row per stored document with its tags, scores, top entities and regions."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import fail, say


class FormatChoice(StrEnum):
    """``cluster_nlp.export.ExportFormat``'s values, without importing pyarrow to list them."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)


def export_command(
    fmt: Annotated[
        FormatChoice, typer.Option("--format", help="jsonl, csv or parquet")
    ] = FormatChoice.JSONL,
    db: DbOption = None,
    model: Annotated[
        str | None, typer.Option("--model", help="whose tags to export [current model]")
    ] = None,
    models: Annotated[
        Path | None, typer.Option("--models", help="model registry folder [models/]")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="file to write [stdout]")] = None,
) -> None:
    """Export every stored document: id, path, status, labels with scores, entities, regions.

    Documents the model has not tagged (failed, awaiting OCR, not yet tagged) are exported
    with empty labels, so the export always lists the whole store.
    """
    if fmt is FormatChoice.PARQUET and out is None:
        fail("Parquet is binary: give --out FILE", code=2)
    from cluster_nlp.config import get_settings
    from cluster_nlp.export import ExportFormat, document_rows, write_rows
    from cluster_nlp.registry import current_version
    from cluster_nlp.store.db import StoreError, open_store

    version = model or current_version(models or get_settings().models_dir)
    if version is None:
        fail("no model promoted and no --model given: whose tags should be exported?", code=2)
    try:
        rows = document_rows(open_store(db_url(db)), version)
    except StoreError as error:
        fail(str(error))
    if rows and not any(row["model_version"] for row in rows):
        fail(f"no stored document is tagged by model {version!r}: run `cluster-nlp tag` first")
    write_rows(rows, ExportFormat(fmt.value), out)
    if out is not None:
        say(f"{len(rows)} documents ({version} tags) -> {out}")
