"""``ingest`` and ``extract``: files into the store, or one file's extraction on screen."""

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import DataTable, fail, progress_bar, say, show

if TYPE_CHECKING:
    from cluster_nlp.ingest.files import IngestSummary
    from cluster_nlp.records import ExtractedDocument


class EngineChoice(StrEnum):
    AUTO = "auto"
    PDFIUM = "pdfium"
    PDFPLUMBER = "pdfplumber"


EngineOption = Annotated[
    EngineChoice,
    typer.Option("--engine", help="pdfium is fast; pdfplumber is the reference; auto mixes them"),
]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("extract")(extract_command)


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="PDF, .txt or .md files and folders")],
    db: DbOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="parser processes", envvar="CLUSTER_NLP_WORKERS", show_envvar=True
        ),
    ] = None,
    engine: EngineOption = EngineChoice.AUTO,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=1,
            help="seconds allowed per file",
            envvar="CLUSTER_NLP_FILE_TIMEOUT_S",
            show_envvar=True,
        ),
    ] = None,
    memory_mb: Annotated[
        int | None,
        typer.Option(
            min=128,
            help="memory cap per worker (MB)",
            envvar="CLUSTER_NLP_FILE_MEMORY_MB",
            show_envvar=True,
        ),
    ] = None,
    ocr: Annotated[bool, typer.Option(help="OCR pages without a usable text layer")] = True,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            metavar="GLOB",
            help="only files matching this glob, e.g. '*.pdf' or 'pdf/*' (repeatable)",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="GLOB",
            help="leave out files matching this glob (repeatable)",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="list the files that would be ingested; store nothing"),
    ] = False,
) -> None:
    """Ingest files and folders (recursively) into the store, each distinct file once."""
    from cluster_nlp.config import get_settings
    from cluster_nlp.ingest.files import InputPathError, discover
    from cluster_nlp.ingest.sandbox import ParseLimits
    from cluster_nlp.ingest.unchanged import ingest_if_unchanged
    from cluster_nlp.pathtext import path_text

    include, exclude = include or [], exclude or []
    if dry_run:
        try:
            files = discover(paths, include, exclude)
        except InputPathError as error:
            fail(str(error), code=2)
        _print_dry_run(files)
        return
    settings = get_settings()
    limits = ParseLimits(
        timeout_s=timeout or settings.file_timeout_s,
        memory_mb=memory_mb or settings.file_memory_mb,
        workers=workers or settings.workers,
        ocr=ocr,
    )
    url = db_url(db)
    try:
        with progress_bar("ingest") as progress:
            task = progress.add_task("", total=None)
            arguments = {
                "engine": engine.value,
                "limits": limits,
                "on_total": lambda total: progress.update(task, total=total),
                "on_file": lambda item: progress.update(
                    task, advance=1, description=path_text(item.path.name)
                ),
                "include": include,
                "exclude": exclude,
            }
            # Most scheduled ingests find nothing new: that is settled without the ORM.
            summary = ingest_if_unchanged(paths, url, **arguments) or _full_ingest(
                paths, url, arguments
            )
    except InputPathError as error:
        fail(str(error), code=2)
    _print_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


def _full_ingest(paths: list[Path], url: str, arguments: dict) -> "IngestSummary":
    from cluster_nlp.ingest.pipeline import ingest
    from cluster_nlp.store.db import StoreError, open_store

    try:
        return ingest(paths, open_store(url), **arguments)
    except StoreError as error:
        fail(str(error), code=2)


def _print_dry_run(files: list[Path]) -> None:
    from collections import Counter

    from cluster_nlp.pathtext import path_text

    for path in files:
        say(path_text(path))
    kinds = Counter(path.suffix.lower() or "(none)" for path in files)
    shown = ", ".join(f"{count} {suffix}" for suffix, count in sorted(kinds.items()))
    say((f"{len(files)} files would be ingested" + (f" ({shown})" if files else ""), "bold"))
    say("dry run: nothing was stored", style="dim")


def _print_summary(summary: "IngestSummary") -> None:
    counts = summary.counts
    table = DataTable("Ingest summary", show_header=True)
    for column in ("ingested", "already known", "failed", "needs OCR"):
        table.add_column(column, justify="right")
    table.add_row(
        str(counts["ingested"]),
        str(counts["known"]),
        str(counts["failed"]),
        str(counts["needs_ocr"]),
    )
    show(table)
    for item in summary.failed:
        say(("failed", "red"), f" {item.shown_path}: {item.error}")
    say(f"run {summary.run_id}", style="dim")


def extraction_json(document: "ExtractedDocument") -> dict:
    return {
        "path": document.path,
        "sha256": document.sha256,
        "status": document.status.value,
        "error": document.error,
        "lang": document.lang,
        "title": document.title,
        "engine": document.engine,
        "pages": [
            {
                "number": page.number,
                "status": page.status.value,
                "engine": page.engine,
                "quality": page.quality.model_dump(mode="json"),
                "text": page.text,
                "tables": [table.cells for table in page.tables],
            }
            for page in document.pages
        ],
        "passages": [
            {
                "page": passage.page,
                "start": passage.start,
                "end": passage.end,
                "lang": passage.lang,
                "bbox": passage.bbox.model_dump() if passage.bbox else None,
                "text": passage.text,
            }
            for passage in document.passages
        ],
    }


def extract_command(
    file: Annotated[Path, typer.Argument(help="a PDF, .txt or .md file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the extraction as JSON")] = False,
    engine: EngineOption = EngineChoice.AUTO,
    timeout: Annotated[float | None, typer.Option(min=1, help="seconds allowed")] = None,
) -> None:
    """Extract one file without storing it, to see what ingestion makes of it."""
    if not file.is_file():
        fail(f"no such file: {file}", code=2)
    from cluster_nlp.config import get_settings
    from cluster_nlp.ingest.sandbox import ParseLimits, parse_files

    settings = get_settings()
    limits = ParseLimits(
        timeout_s=timeout or settings.file_timeout_s, memory_mb=settings.file_memory_mb, workers=1
    )
    (result,) = parse_files([file], engine.value, limits)
    if result.document is None:
        fail(f"{file}: {result.error}")
    if as_json:
        typer.echo(json.dumps(extraction_json(result.document), ensure_ascii=False, indent=1))
        return
    document = result.document
    say(
        (document.title or file.name, "bold"),
        f" status={document.status.value} lang={document.lang} pages={document.page_count} "
        f"engine={document.engine}",
    )
    for passage in document.passages:
        say((f"p{passage.page} [{passage.lang}]", "dim"), f" {passage.text}")
