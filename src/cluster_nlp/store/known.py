"""What is stored already: the rule for retrying a stored failure, and a direct SQLite check
that a set of files needs nothing at all.

The check reads the store with the standard library's ``sqlite3``, not SQLAlchemy: the
re-ingest of an unchanged folder, the commonest scheduled command, then pays neither for the
ORM (a third of its time) nor for a schema check beyond one query. Anything it cannot
settle (another database, a store behind the newest migration, one new name or byte) it
leaves to the full path, which also writes; it writes only the finished run's row itself,
in the format SQLAlchemy writes it (``tests/store/test_known.py`` reads it back through the
ORM).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.revisions import schema_heads

SQLITE_PREFIX = "sqlite:///"
# Keeps IN lists well under SQLite's limit on bound parameters.
CHUNK = 500
# How SQLAlchemy stores a DateTime in SQLite (naive UTC text).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def worth_retrying(
    failed_version: str | None,
    failed_under: dict | None,
    text_extractor_version: str,
    attempt: dict | None = None,
) -> bool:
    """Whether a stored failure may end otherwise now.

    It may when other ingestion code (or data files) recorded it, or, given this ``attempt``'s
    engine and limits, when it failed under another engine or under a smaller time or memory
    limit than the attempt has.
    """
    if failed_version != text_extractor_version:
        return True
    if attempt is None or failed_under is None:
        return False
    if attempt["engine"] != failed_under.get("engine"):
        return True
    return any(attempt[limit] > failed_under.get(limit, 0) for limit in ("timeout_s", "memory_mb"))


def sqlite_database(url: str) -> Path | None:
    """The file of a plain SQLite URL (``sqlite:///path``), or None for any other store."""
    if not url.startswith(SQLITE_PREFIX) or "?" in url:
        return None
    database = unquote(url.removeprefix(SQLITE_PREFIX))  # as SQLAlchemy reads it
    return Path(database) if database and database != ":memory:" else None


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _connect(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(database, timeout=30)


def _stored_rows(database: Path, ids: list[str]) -> tuple[dict, set] | None:
    """The documents among ``ids`` (id -> status, extractor version, failure conditions) and
    their (id, path) rows; None when the file is no store at the newest schema or cannot be
    read (not a store, another schema, damaged, locked)."""
    try:
        with closing(_connect(database)) as connection:
            revisions = {
                row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
            }
            if revisions != schema_heads():
                return None
            stored: dict[str, tuple] = {}
            known_paths: set[tuple[str, str]] = set()
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                stored.update(
                    (row[0], row[1:])
                    for row in connection.execute(
                        "SELECT id, status, text_extractor_version, failed_under FROM documents "
                        f"WHERE id IN ({marks})",
                        chunk,
                    )
                )
                known_paths.update(
                    connection.execute(
                        "SELECT document_id, path FROM document_paths "
                        f"WHERE document_id IN ({marks})",
                        chunk,
                    )
                )
    except sqlite3.Error:
        return None
    return stored, known_paths


def all_stored(
    database: Path,
    paths_by_id: Mapping[str, Sequence[str]],
    text_extractor_version: Callable[[], str],
    attempt: dict,
) -> bool:
    """True when the store at ``database`` is at the newest schema, holds every document of
    ``paths_by_id`` under each of its paths, and has no stored failure among them worth
    retrying under ``attempt``: an ingest of these files would change nothing.

    ``text_extractor_version`` is asked only when a stored failure is weighed: it reads the
    PDF packages' installed metadata, which a folder without failures does not need."""
    if not database.is_file():
        return False
    ids = list(paths_by_id)
    rows = _stored_rows(database, ids)
    if rows is None:
        return False
    stored, known_paths = rows
    if len(stored) != len(ids):
        return False
    for status, version, failed_under in stored.values():
        if status == DocumentStatus.FAILED.value and worth_retrying(
            version,
            json.loads(failed_under) if failed_under else None,
            text_extractor_version(),
            attempt,
        ):
            return False
    return all(
        (document_id, path) in known_paths
        for document_id, paths in paths_by_id.items()
        for path in paths
    )


def record_finished_run(database: Path, kind: str, params: dict, counts: dict) -> str:
    """Store a run that is over already (status ``ok``) and return its id."""
    run_id = str(uuid.uuid4())
    now = datetime.now(UTC).strftime(SQLITE_DATETIME)
    with closing(_connect(database)) as connection, connection:
        connection.execute(
            "INSERT INTO runs (id, kind, status, started_at, finished_at, params, counts) "
            "VALUES (?, ?, 'ok', ?, ?, ?, ?)",
            (run_id, kind, now, now, json.dumps(params), json.dumps(counts)),
        )
    return run_id
