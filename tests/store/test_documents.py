"""The store keeps each document whole, once, and never changes what it stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from cluster_nlp.records import (
    BBox,
    DocumentStatus,
    ErrorClass,
    ExtractedDocument,
    Page,
    PageQuality,
    Passage,
    Table,
)
from cluster_nlp.store.db import (
    StoreError,
    alembic_config,
    create_store_engine,
    migrate,
    open_store,
    stored_revisions,
)
from cluster_nlp.store.documents import (
    document_summaries,
    failed_document,
    finish_run,
    known_ids,
    load_document,
    remember_path,
    remember_paths,
    retryable_ids,
    run_record,
    save_document,
    start_run,
)
from cluster_nlp.store.models import (
    Base,
    DocumentPathRow,
    DocumentRow,
    PassageRow,
    declared_in_models,
)
from cluster_nlp.store.revisions import schema_heads

QUALITY = PageQuality(grade=1.0, letters=20, letter_ratio=0.8, cyrillic_ratio=1.0)


def make_document(sha: str, path: str = "a.pdf", text: str = "Первый абзац.") -> ExtractedDocument:
    return ExtractedDocument(
        path=path,
        sha256=sha,
        status=DocumentStatus.OK,
        title="Доклад",
        lang="ru",
        engine="pdfium",
        text=text,
        pages=[
            Page(
                number=1,
                width=595,
                height=842,
                text=text,
                engine="pdfium",
                quality=QUALITY,
                tables=[Table(page=1, cells=[["a", "b"], ["1", None]])],
            )
        ],
        passages=[
            Passage(
                page=1,
                start=0,
                end=len(text),
                text=text,
                lang="ru",
                bbox=BBox(x0=10, top=20, x1=300, bottom=40),
            )
        ],
    )


@pytest.fixture
def sessions(store_url: str):
    return open_store(store_url)


SHA_A = "a" * 64
SHA_B = "b" * 64


def test_migrations_create_every_table(store_url: str):
    engine = create_store_engine(store_url)
    migrate(engine)
    migrate(engine)  # idempotent
    tables = set(inspect(engine).get_table_names())
    assert {"documents", "document_paths", "pages", "passages", "tables", "runs"} <= tables
    assert "alembic_version" in tables


def test_sqlite_store_runs_in_wal_mode_in_a_new_folder(tmp_path: Path):
    engine = create_store_engine(f"sqlite:///{tmp_path}/nested/dir/s.db")
    migrate(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_round_trip_keeps_every_part(sessions):
    original = make_document(SHA_A)
    assert save_document(sessions, original, size_bytes=123)
    assert load_document(sessions, SHA_A) == original


def test_same_bytes_are_stored_once(sessions):
    assert save_document(sessions, make_document(SHA_A), size_bytes=1)
    assert not save_document(sessions, make_document(SHA_A, path="renamed.pdf"), size_bytes=1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 1
        assert session.scalar(select(func.count()).select_from(PassageRow)) == 1


def test_changed_file_records_what_it_replaced(sessions):
    save_document(sessions, make_document(SHA_A, path="report.pdf"), size_bytes=1)
    save_document(sessions, make_document(SHA_B, path="report.pdf", text="Новый."), size_bytes=1)
    summaries = {row["id"]: row for row in document_summaries(sessions)}
    assert summaries[SHA_B]["replaces_id"] == SHA_A
    assert summaries[SHA_A]["replaces_id"] is None
    assert load_document(sessions, SHA_A).text == "Первый абзац."


def test_remember_path_is_idempotent(sessions):
    save_document(sessions, make_document(SHA_A), size_bytes=1)
    remember_path(sessions, SHA_A, "copy.pdf")
    remember_path(sessions, SHA_A, "copy.pdf")
    with sessions() as session:
        paths = session.scalars(select(DocumentPathRow.path).order_by(DocumentPathRow.path)).all()
    assert paths == ["a.pdf", "copy.pdf"]


def test_remember_paths_records_each_new_name_of_many_documents_once(sessions):
    save_document(sessions, make_document(SHA_A), size_bytes=1)
    save_document(sessions, make_document(SHA_B, path="b.pdf"), size_bytes=1)
    seen = {SHA_A: ["a.pdf", "copy.pdf", "copy.pdf"], SHA_B: ["b.pdf", "sub/b.pdf"]}
    remember_paths(sessions, seen)
    remember_paths(sessions, seen)
    with sessions() as session:
        rows = session.execute(select(DocumentPathRow.document_id, DocumentPathRow.path))
        paths = sorted((row.document_id, row.path) for row in rows)
    assert paths == [(SHA_A, "a.pdf"), (SHA_A, "copy.pdf"), (SHA_B, "b.pdf"), (SHA_B, "sub/b.pdf")]


def test_failed_document_row_keeps_reason(sessions):
    save_document(
        sessions,
        failed_document("bad.pdf", SHA_B, "encrypted: needs a password", ErrorClass.ENCRYPTED),
        0,
    )
    stored = load_document(sessions, SHA_B)
    assert stored.status is DocumentStatus.FAILED
    assert stored.error == "encrypted: needs a password"
    assert known_ids(sessions, [SHA_A, SHA_B]) == {SHA_B}


@pytest.mark.parametrize(
    ("stored_status", "stored_version", "retried"),
    [
        ("failed", None, True),  # recorded before versions were kept
        ("failed", "text-older", True),
        ("failed", "text-current", False),  # the same code would fail the same way
        ("ok", "text-older", False),  # what was read stays as it was
    ],
)
def test_failures_from_other_ingestion_code_are_parsed_again(
    sessions, stored_status: str, stored_version: str | None, retried: bool
):
    first = (
        failed_document("bad.pdf", SHA_A, "timeout", ErrorClass.TIMEOUT)
        if stored_status == "failed"
        else make_document(SHA_A, path="bad.pdf")
    )
    save_document(sessions, first, 0, stored_version)
    remember_path(sessions, SHA_A, "copy.pdf")
    assert (SHA_A in retryable_ids(sessions, [SHA_A, SHA_B], "text-current")) is retried

    again = make_document(SHA_A, path="bad.pdf", text="Прочитано со второй попытки.")
    assert save_document(sessions, again, 5, "text-current") is retried
    stored = load_document(sessions, SHA_A)
    assert stored.text == (again.text if retried else first.text)
    assert stored.status is (DocumentStatus.OK if retried else first.status)
    with sessions() as session:
        paths = session.scalars(select(DocumentPathRow.path).order_by(DocumentPathRow.path)).all()
        assert paths == ["bad.pdf", "copy.pdf"]  # the names it was seen under are kept
        passages = session.scalar(select(func.count()).select_from(PassageRow))
        assert passages == len(stored.passages)  # no parts left over from the first row


def test_migrations_match_the_models(store_url: str):
    engine = create_store_engine(store_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": declared_in_models}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_schema_heads_read_without_alembic_are_alembics_own(store_url: str):
    config = alembic_config(store_url)
    assert schema_heads() == frozenset(ScriptDirectory.from_config(config).get_heads())


def _stamp(store_url: str, revision: str | None) -> None:
    """Leave a store at ``revision``: nothing (no store yet), a real one, or one unknown."""
    if revision is None:
        return
    engine = create_store_engine(store_url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005" if revision == "0005" else "head")
    if revision == "unknown":
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()


@pytest.mark.parametrize("revision", [None, "0005", "head"])
def test_opening_a_store_brings_it_to_the_newest_schema(store_url: str, revision: str | None):
    _stamp(store_url, revision)
    sessions = open_store(store_url)
    assert stored_revisions(sessions.kw["bind"]) == schema_heads()
    assert save_document(sessions, make_document(SHA_A), size_bytes=1)  # every table is there


def test_a_store_of_a_revision_this_code_does_not_know_is_one_line(store_url: str):
    _stamp(store_url, "unknown")
    with pytest.raises(StoreError, match=r"^cannot open store .*f00d") as raised:
        open_store(store_url)
    assert "\n" not in str(raised.value)


FAILURES_BEFORE_0008 = [
    ("encrypted: needs a password", "encrypted"),
    ("not a PDF: the file has no %PDF- header", "not_pdf"),
    ("empty file (0 bytes)", "empty"),
    ("timed out: parsing took longer than 120 s", "timeout"),
    ("out of memory: the file needs more than the worker's memory cap", "resource_limit"),
    ("unsupported file type .docx: expected .pdf, .txt or .md", "unsupported"),
    ("not valid UTF-8 text: byte 0xca at offset 0", "unsupported"),
    ("malformed PDF: pdfminer cannot parse it (Unexpected EOF)", "corrupt"),
    ("parser crashed (exit code -11)", "corrupt"),
]


def test_migration_0008_files_every_stored_failure_under_a_class(store_url: str):
    engine = create_store_engine(store_url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    with engine.begin() as connection:
        for number, (error, _) in enumerate(FAILURES_BEFORE_0008):
            connection.execute(
                text(
                    "INSERT INTO documents (id, source_path, page_count, size_bytes, status,"
                    " error, text, created_at, updated_at)"
                    " VALUES (:id, 'x.pdf', 0, 0, 'failed', :error, '', :now, :now)"
                ),
                {"id": f"{number:064x}", "error": error, "now": datetime.now(UTC)},
            )
    migrate(engine)
    sessions = open_store(store_url)
    for number, (_, error_class) in enumerate(FAILURES_BEFORE_0008):
        assert load_document(sessions, f"{number:064x}").error_class == error_class


def test_known_ids_handles_more_than_one_chunk(sessions):
    ids = [f"{n:064x}" for n in range(1200)]
    for digest in ids[::400]:
        save_document(sessions, failed_document("x.pdf", digest, "bad", ErrorClass.CORRUPT), 0)
    assert known_ids(sessions, ids) == set(ids[::400])


def test_runs_record_counts(sessions):
    run_id = start_run(sessions, "ingest", {"paths": ["x"]})
    assert run_record(sessions, run_id)["status"] == "running"
    finish_run(sessions, run_id, "ok", {"ingested": 3})
    record = run_record(sessions, run_id)
    assert (record["status"], record["counts"]) == ("ok", {"ingested": 3})
    assert record["finished_at"] is not None


def test_unreachable_store_is_one_line_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open store"):
        open_store(f"sqlite:///{blocker}/sub/store.db")
