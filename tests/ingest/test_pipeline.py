"""Ingesting folders: each distinct file once, bad files recorded, nothing stored is changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.ingest.pipeline import (
    InputPathError,
    Outcome,
    discover,
    ingest,
    sha256_file,
    text_extractor_version,
)
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.records import ErrorClass
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import (
    document_summaries,
    failed_document,
    load_document,
    save_document,
)

LIMITS = ParseLimits(timeout_s=60, memory_mb=2048, workers=2)


@pytest.fixture
def inbox(tmp_path: Path, make_pdf) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    make_pdf(
        folder / "report.pdf",
        [["Кластер искусственного интеллекта в Новосибирске", "объединяет университеты."]],
    )
    (folder / "sub" / "note.md").write_text("# Заметка\n\nТекст о технопарке в Томске.\n", "utf-8")
    (folder / "sub" / "news.txt").write_text("AI Sweden opened a new hub in Gothenburg.\n", "utf-8")
    (folder / "ignored.docx").write_bytes(b"not ours")
    return folder


@pytest.fixture
def bad_files(tmp_path: Path, make_pdf) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "fake.pdf").write_text("this is plain text wearing a .pdf name", "utf-8")
    good = make_pdf(folder / "whole.pdf", [["Полный документ о кластере."]])
    data = good.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    good.unlink()
    make_pdf(folder / "locked.pdf", [["Секретный текст."]], encrypt="secret")
    return folder


@pytest.fixture
def sessions(tmp_path: Path):
    return open_store(f"sqlite:///{tmp_path}/store.db")


def test_discover_walks_folders_and_skips_other_files(inbox: Path):
    found = {path.relative_to(inbox).as_posix() for path in discover([inbox])}
    assert found == {"report.pdf", "sub/note.md", "sub/news.txt"}


def test_discover_does_not_follow_links_out_of_the_folder(inbox: Path, tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("private", "utf-8")
    (inbox / "link.txt").symlink_to(outside)
    assert outside not in {path.resolve() for path in discover([inbox])}


def test_missing_path_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputPathError, match="no such file or folder"):
        discover([tmp_path / "nope"])


def test_first_run_ingests_second_run_knows(inbox: Path, sessions):
    first = ingest([inbox], sessions, limits=LIMITS)
    assert first.counts["ingested"] == 3 and first.counts["failed"] == 0
    second = ingest([inbox], sessions, limits=LIMITS)
    assert second.counts == {"ingested": 0, "known": 3, "failed": 0, "needs_ocr": 0}
    assert len(document_summaries(sessions)) == 3


def test_renamed_copy_is_known_and_changed_file_is_new(inbox: Path, sessions):
    ingest([inbox], sessions, limits=LIMITS)
    shutil.copy(inbox / "sub" / "note.md", inbox / "copy-of-note.md")
    note = inbox / "sub" / "note.md"
    note.write_text(note.read_text("utf-8") + "\nДобавлен абзац.\n", "utf-8")
    summary = ingest([inbox], sessions, limits=LIMITS)
    outcomes = {item.path.name: item for item in summary.files}
    assert outcomes["copy-of-note.md"].outcome is Outcome.KNOWN
    assert outcomes["note.md"].outcome is Outcome.INGESTED
    rows = {row["id"]: row for row in document_summaries(sessions)}
    assert rows[outcomes["note.md"].document_id]["replaces_id"] == (
        outcomes["copy-of-note.md"].document_id
    )


@pytest.mark.parametrize(("recorded_by", "parsed_again"), [("older", True), ("current", False)])
def test_a_failure_is_retried_once_the_ingestion_code_changes(
    inbox: Path, sessions, recorded_by: str, parsed_again: bool
):
    note = inbox / "sub" / "note.md"
    digest = sha256_file(note)
    version = text_extractor_version() if recorded_by == "current" else "text-older"
    save_document(
        sessions,
        failed_document(str(note), digest, "parser crashed", ErrorClass.CORRUPT),
        0,
        version,
    )

    summary = ingest([note], sessions, limits=LIMITS)
    assert summary.files[0].outcome is (Outcome.INGESTED if parsed_again else Outcome.KNOWN)
    stored = load_document(sessions, digest)
    assert (stored.status.value == "ok") is parsed_again
    assert (stored.text != "") is parsed_again
    assert ingest([note], sessions, limits=LIMITS).files[0].outcome is Outcome.KNOWN


def test_bad_files_are_failed_rows_and_stored_documents_stay(
    inbox: Path, bad_files: Path, sessions
):
    ingest([inbox], sessions, limits=LIMITS)
    before = {row["id"]: load_document(sessions, row["id"]) for row in document_summaries(sessions)}
    summary = ingest([bad_files, inbox], sessions, limits=LIMITS)
    failed = {item.path.name: item.error for item in summary.failed}
    assert set(failed) == {"empty.pdf", "fake.pdf", "truncated.pdf", "locked.pdf"}
    assert all(error and "\n" not in error for error in failed.values())
    assert "encrypted" in failed["locked.pdf"]
    assert "empty" in failed["empty.pdf"]
    for item in summary.failed:
        row = load_document(sessions, item.document_id)
        assert row.status.value == "failed" and row.error == item.error
    for document_id, document in before.items():
        assert load_document(sessions, document_id) == document


def test_cli_ingest_exit_code_says_whether_a_file_failed(
    inbox: Path, bad_files: Path, tmp_path: Path
):
    runner = CliRunner()
    db = f"sqlite:///{tmp_path}/cli.db"
    ok = runner.invoke(app, ["ingest", str(inbox), "--db", db, "--workers", "1"])
    assert ok.exit_code == 0, ok.output
    assert "Ingest summary" in ok.output
    bad = runner.invoke(app, ["ingest", str(bad_files), "--db", db])
    assert bad.exit_code == 1
    assert "locked.pdf" in bad.output
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nowhere"), "--db", db])
    assert missing.exit_code == 2


def test_cli_extract_json_and_unreadable_file(inbox: Path, bad_files: Path):
    runner = CliRunner()
    result = runner.invoke(app, ["extract", str(inbox / "sub" / "note.md"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"path", "sha256", "status", "error", "lang", "pages", "passages"} <= set(payload)
    assert payload["lang"] == "ru"
    assert any("Томске" in passage["text"] for passage in payload["passages"])
    broken = runner.invoke(app, ["extract", str(bad_files / "fake.pdf"), "--json"])
    assert broken.exit_code == 1
    assert broken.stdout == ""
    assert "Traceback" not in broken.output


def test_entries_that_are_not_regular_files_fail_as_unsupported_without_being_opened(
    tmp_path: Path, sessions
):
    folder = tmp_path / "odd"
    (folder / "folder.pdf").mkdir(parents=True)
    (folder / "folder.pdf" / "inside.txt").write_text("Технопарк в Томске.\n", "utf-8")
    os.mkfifo(folder / "pipe.pdf")  # opening it would block for ever
    (folder / "dangling.pdf").symlink_to(folder / "gone.pdf")
    (folder / "loop.pdf").symlink_to(folder / "loop.pdf")
    (folder / "zero.pdf").symlink_to("/dev/zero")  # leads out of the folder: skipped

    summary = ingest([folder], sessions, limits=LIMITS)

    outcomes = {item.path.name: item for item in summary.files}
    assert set(outcomes) == {"inside.txt", "pipe.pdf", "dangling.pdf", "loop.pdf"}
    assert outcomes["inside.txt"].outcome is Outcome.INGESTED
    for name, reason in (
        ("pipe.pdf", "not a regular file: a FIFO"),
        ("dangling.pdf", "No such file or directory"),
        ("loop.pdf", "Too many levels of symbolic links"),
    ):
        assert outcomes[name].outcome is Outcome.FAILED
        assert outcomes[name].error_class is ErrorClass.UNSUPPORTED
        assert reason in outcomes[name].error
    # Named on their own (as a flow's ingest task names its files), they fail the same way.
    named = ingest([folder / "pipe.pdf", folder / "loop.pdf"], sessions, limits=LIMITS)
    assert [item.error_class for item in named.files] == [ErrorClass.UNSUPPORTED] * 2
