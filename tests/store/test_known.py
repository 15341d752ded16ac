"""The direct SQLite check that files need nothing, against what the ORM stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cluster_nlp.records import ExtractedDocument
from cluster_nlp.statuses import DocumentStatus, ErrorClass
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import (
    failed_document,
    known_ids,
    remember_path,
    retryable_ids,
    run_record,
    save_document,
)
from cluster_nlp.store.known import (
    all_stored,
    record_finished_run,
    sqlite_database,
)

EXTRACTOR = "text-aaaaaaaaaaaa"
ATTEMPT = {"engine": "auto", "timeout_s": 120.0, "memory_mb": 1024}
OK, BROKEN = "a" * 64, "b" * 64


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A store with a parsed document under two names and a failure under one."""
    url = f"sqlite:///{tmp_path}/store.db"
    sessions = open_store(url)
    parsed = ExtractedDocument(path="in/a.pdf", sha256=OK, status=DocumentStatus.OK, text="Текст.")
    save_document(sessions, parsed, 10, EXTRACTOR)
    remember_path(sessions, OK, "in/copy of a.pdf")
    broken = failed_document("in/b.pdf", BROKEN, "truncated", ErrorClass.CORRUPT)
    save_document(sessions, broken, 10, EXTRACTOR, attempt=ATTEMPT)
    return sqlite_database(url)


EVERYTHING = {OK: ["in/a.pdf", "in/copy of a.pdf"], BROKEN: ["in/b.pdf"]}


@pytest.mark.parametrize(
    ("paths_by_id", "extractor", "attempt", "expected"),
    [
        (EVERYTHING, EXTRACTOR, ATTEMPT, True),
        ({OK: ["in/a.pdf"]}, EXTRACTOR, ATTEMPT, True),
        ({}, EXTRACTOR, ATTEMPT, True),
        ({OK: ["in/renamed.pdf"]}, EXTRACTOR, ATTEMPT, False),  # a new name to record
        ({**EVERYTHING, "c" * 64: ["in/c.pdf"]}, EXTRACTOR, ATTEMPT, False),  # new bytes
        (EVERYTHING, "text-bbbbbbbbbbbb", ATTEMPT, False),  # other code may read b.pdf now
        (EVERYTHING, EXTRACTOR, {**ATTEMPT, "timeout_s": 600.0}, False),  # more time for b
        (EVERYTHING, EXTRACTOR, {**ATTEMPT, "engine": "pdfplumber"}, False),
        ({OK: ["in/a.pdf"]}, "text-bbbbbbbbbbbb", ATTEMPT, True),  # only failures are retried
        # with no failure among the files, the extractor's version is never asked for
        ({OK: ["in/a.pdf"]}, None, ATTEMPT, True),
    ],
)
def test_all_stored_agrees_with_the_stores_own_rules(
    database: Path, paths_by_id: dict, extractor: str, attempt: dict, expected: bool
):
    def extractor_version() -> str:
        assert extractor is not None, "the extractor's version was asked for"
        return extractor

    assert all_stored(database, paths_by_id, extractor_version, attempt) is expected
    # What the full ingest would find through the ORM: nothing to parse exactly when settled.
    sessions = open_store(f"sqlite:///{database}")
    to_parse = (set(paths_by_id) - known_ids(sessions, paths_by_id)) | retryable_ids(
        sessions, paths_by_id, extractor or EXTRACTOR, attempt
    )
    assert not to_parse or not expected


def test_a_store_behind_the_newest_schema_or_no_store_is_never_settled_directly(
    database: Path, tmp_path: Path
):
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    assert not all_stored(database, {OK: ["in/a.pdf"]}, lambda: EXTRACTOR, ATTEMPT)
    assert not all_stored(tmp_path / "absent.db", {}, lambda: EXTRACTOR, ATTEMPT)
    sqlite3.connect(tmp_path / "empty.db").close()  # a SQLite file, but no store
    assert not all_stored(tmp_path / "empty.db", {}, lambda: EXTRACTOR, ATTEMPT)
    (tmp_path / "damaged.db").write_bytes(b"not a database at all" * 100)
    assert not all_stored(tmp_path / "damaged.db", {}, lambda: EXTRACTOR, ATTEMPT)


def test_a_run_recorded_directly_reads_back_through_the_orm(database: Path):
    params = {"paths": ["in/a.pdf", "in/копия.pdf"], "engine": "auto"}
    run_id = record_finished_run(database, "ingest", params, {"known": 2})
    run = run_record(open_store(f"sqlite:///{database}"), run_id)
    assert (run["kind"], run["status"], run["params"], run["counts"]) == (
        "ingest",
        "ok",
        params,
        {"known": 2},
    )
    assert run["started_at"] == run["finished_at"] and run["started_at"].year >= 2026


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////data/store.db", Path("/data/store.db")),
        ("sqlite:///relative/store.db", Path("relative/store.db")),
        ("sqlite:////data/my%20store.db", Path("/data/my store.db")),  # SQLAlchemy unquotes
        ("sqlite:///:memory:", None),
        ("sqlite://", None),
        ("sqlite:////data/store.db?mode=ro", None),  # options the direct path would ignore
        ("postgresql://user@host/db", None),
    ],
)
def test_only_plain_sqlite_files_are_read_directly(url: str, expected: Path | None):
    assert sqlite_database(url) == expected
    if expected is not None:  # the very file SQLAlchemy opens for that URL
        assert expected == Path(make_url(url).database)
