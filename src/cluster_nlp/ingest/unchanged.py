"""An ingest that finds nothing new, settled without the ORM or the parsers.

Scheduled ingests mostly meet folders they have seen: every file hashed, every hash stored
under every name. That answer is read straight from a SQLite store (``store.known``), and
the run is recorded; anything else (another database, a new name or byte, a failure worth
retrying, a file that cannot be read) is left to ``pipeline.ingest``.
"""

from __future__ import annotations

import sqlite3
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
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.pathtext import path_text
from cluster_nlp.store.known import all_stored, record_finished_run, sqlite_database


def ingest_if_unchanged(
    paths: Iterable[Path],
    url: str,
    engine: str = "auto",
    limits: ParseLimits | None = None,
    on_total: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> IngestSummary | None:
    """The summary of an ingest of ``paths`` into the store at ``url`` when every file is
    stored already under its name (the run is recorded), else None and nothing written."""
    database = sqlite_database(url)
    if database is None or not database.is_file():
        return None
    files = discover(paths, include, exclude)
    paths_by_id: dict[str, list[str]] = {}
    for path in files:
        try:
            paths_by_id.setdefault(sha256_file(path), []).append(path_text(path))
        except OSError:  # the full ingest records why it cannot be read
            return None
    attempt = parse_attempt(engine, limits or ParseLimits())
    if not all_stored(database, paths_by_id, text_extractor_version, attempt):
        return None
    id_by_text = {path: digest for digest, texts in paths_by_id.items() for path in texts}
    outcomes = [
        FileOutcome(path, Outcome.KNOWN, document_id=id_by_text[path_text(path)]) for path in files
    ]
    summary = IngestSummary(run_id="", files=outcomes)
    try:
        summary.run_id = record_finished_run(
            database, "ingest", run_params(files, engine), summary.counts
        )
    except sqlite3.Error:  # locked past the timeout, read-only: the full ingest says why
        return None
    if on_total:  # reported once settled, so a fallback to the full ingest counts once
        on_total(len(files))
    for item in outcomes:
        if on_file:
            on_file(item)
    return summary
