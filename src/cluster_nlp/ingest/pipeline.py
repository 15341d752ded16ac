"""Ingest files and folders into the store, each distinct file once.

The content hash is taken before any parsing, so an unchanged folder costs one read of each
file and one query; only new bytes reach the parser workers. Every file ends with an outcome
that the summary counts, and a bad file never stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cluster_nlp.ingest.files import (
    FileOutcome,
    IngestSummary,
    Outcome,
    discover,
    parse_attempt,
    run_params,
    sha256_file,
    text_extractor_version,
)
from cluster_nlp.ingest.sandbox import ParseLimits, one_line, parse_files
from cluster_nlp.pathtext import path_text
from cluster_nlp.statuses import DocumentStatus, ErrorClass
from cluster_nlp.store.documents import (
    SessionFactory,
    failed_document,
    finish_run,
    known_ids,
    remember_paths,
    retryable_ids,
    save_document,
    start_run,
)


def ingest(
    paths: Iterable[Path],
    sessions: SessionFactory,
    engine: str = "auto",
    limits: ParseLimits | None = None,
    on_total: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> IngestSummary:
    limits = limits or ParseLimits()
    files = discover(paths, include, exclude)
    if on_total:
        on_total(len(files))
    run_id = start_run(sessions, "ingest", run_params(files, engine))
    summary = IngestSummary(run_id=run_id)

    def record(item: FileOutcome) -> None:
        summary.files.append(item)
        if on_file:
            on_file(item)

    hashes: dict[Path, str] = {}
    for path in files:
        try:
            hashes[path] = sha256_file(path)
        except OSError as error:
            # A listed path that cannot be opened (a FIFO, a dangling link) is no document.
            message = one_line(f"cannot read: {error.strerror or error}")
            record(
                FileOutcome(path, Outcome.FAILED, error=message, error_class=ErrorClass.UNSUPPORTED)
            )

    extractor = text_extractor_version()
    attempt = parse_attempt(engine, limits)
    stored = known_ids(sessions, hashes.values()) - retryable_ids(
        sessions, hashes.values(), extractor, attempt
    )
    # Files with the same bytes are parsed once, as the first of them; the others are
    # recorded as further paths of that document when it is stored.
    to_parse: dict[str, list[Path]] = {}
    seen_again: dict[str, list[str]] = {}
    for path, digest in hashes.items():
        if digest in stored:
            seen_again.setdefault(digest, []).append(path_text(path))
        else:
            to_parse.setdefault(digest, []).append(path)
    remember_paths(sessions, seen_again)
    for path, digest in hashes.items():
        if digest in stored:
            record(FileOutcome(path, Outcome.KNOWN, document_id=digest))

    by_path = {paths[0]: digest for digest, paths in to_parse.items()}
    for result in parse_files(list(by_path), engine, limits):
        digest = by_path[result.path]
        copies = to_parse[digest][1:]
        shown = path_text(result.path)
        document = result.document or failed_document(
            shown, digest, result.error, result.error_class
        )
        document = document.model_copy(update={"path": shown, "sha256": digest})
        saved = save_document(
            sessions,
            document,
            result.path.stat().st_size,
            extractor,
            also_seen_at=[path_text(copy) for copy in copies],
            attempt=attempt,
        )
        for copy in copies:
            record(FileOutcome(copy, Outcome.KNOWN, document_id=digest))
        if not saved:
            record(FileOutcome(result.path, Outcome.KNOWN, document_id=digest))
            continue
        outcome = {
            DocumentStatus.OK: Outcome.INGESTED,
            DocumentStatus.FAILED: Outcome.FAILED,
            DocumentStatus.NEEDS_OCR: Outcome.NEEDS_OCR,
        }[document.status]
        record(
            FileOutcome(
                result.path,
                outcome,
                document_id=digest,
                error=document.error,
                error_class=document.error_class,
            )
        )

    finish_run(sessions, run_id, "failed" if summary.failed else "ok", summary.counts)
    return summary
