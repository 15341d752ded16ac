"""Ingesting folders: each distinct file once, bad files recorded, nothing stored is changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.ingest import pipeline
from cluster_nlp.ingest.files import (
    InputPathError,
    Outcome,
    discover,
    extractor_version_of,
    sha256_file,
    text_extractor_version,
)
from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.statuses import ErrorClass
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import (
    document_summaries,
    failed_document,
    load_document,
    save_document,
)
from cluster_nlp.store.models import DocumentPathRow

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


@pytest.mark.parametrize("copies", [2, 3])
def test_identical_files_in_one_batch_are_one_document_with_every_path(
    inbox: Path, sessions, copies: int
):
    note = inbox / "sub" / "note.md"
    for number in range(1, copies):
        shutil.copy(note, inbox / f"same-{number}.md")
    summary = ingest([inbox], sessions, limits=LIMITS)

    digest = sha256_file(note)
    same = [item for item in summary.files if item.document_id == digest]
    assert len(same) == copies
    assert sorted(item.outcome.value for item in same) == ["ingested"] + ["known"] * (copies - 1)
    assert summary.counts["failed"] == 0 and len(document_summaries(sessions)) == 3
    with sessions() as session:
        paths = session.scalars(
            select(DocumentPathRow.path).where(DocumentPathRow.document_id == digest)
        ).all()
    assert sorted(paths) == sorted(str(item.path) for item in same)


UNDECODABLE = b"bad\xff\xfe.pdf"  # a cp1252 or cp1251 name copied from another machine


@pytest.fixture
def odd_names(inbox: Path, make_pdf) -> Path:
    """The inbox plus a PDF whose name is not UTF-8 and a note named with a newline and []."""
    drawn = make_pdf(inbox / "drawn.pdf", [["Технопарк в Казани открыл новый корпус."]])
    os.rename(drawn, os.path.join(os.fsencode(inbox), UNDECODABLE))
    (inbox / 'two\nlines "q" [x].md').write_text("# Заметка\n\nО кластере в Перми.\n", "utf-8")
    return inbox


def test_files_with_odd_names_are_stored_under_names_shown_as_text(odd_names: Path, sessions):
    summary = ingest([odd_names], sessions, limits=LIMITS)
    assert summary.counts == {"ingested": 5, "known": 0, "failed": 0, "needs_ocr": 0}
    stored = {row["source_path"] for row in document_summaries(sessions)}
    assert {
        f"{odd_names}/bad\\xff\\xfe.pdf",
        f'{odd_names}/two\\nlines "q" [x].md',
        f"{odd_names}/report.pdf",
    } <= stored
    assert {item.shown_path for item in summary.files} == stored
    assert ingest([odd_names], sessions, limits=LIMITS).counts["known"] == 5


def test_cli_ingest_prints_an_undecodable_name_as_text(odd_names: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app, ["ingest", str(odd_names), "--db", f"sqlite:///{tmp_path}/cli.db"]
    )
    assert result.exit_code == 0, result.output
    assert "Ingest summary" in result.output


def test_the_text_extractor_version_follows_the_ingest_data_files_not_the_cwd(
    tmp_path: Path, monkeypatch
):
    package = Path(pipeline.__file__).parent
    copy = tmp_path / "ingest"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert extractor_version_of(copy) == text_extractor_version()

    layout = copy / "data" / "layout.yaml"
    layout.write_text(layout.read_text("utf-8") + "# a threshold was retuned\n", "utf-8")
    assert extractor_version_of(copy) != text_extractor_version()

    monkeypatch.chdir(tmp_path)
    text_extractor_version.cache_clear()
    assert text_extractor_version() == extractor_version_of(package)


SMALL = {"engine": "auto", "timeout_s": 5.0, "memory_mb": 512}


@pytest.mark.parametrize(
    ("failed_under", "engine", "timeout_s", "memory_mb", "parsed_again"),
    [
        (SMALL, "auto", 5.0, 512, False),  # the same conditions fail the same way
        (SMALL, "auto", 60.0, 512, True),  # more time
        (SMALL, "auto", 5.0, 2048, True),  # more memory
        (SMALL, "auto", 1.0, 256, False),  # less of both
        (SMALL, "pdfplumber", 5.0, 512, True),  # another engine
        (None, "auto", 60.0, 2048, False),  # recorded before limits were kept
    ],
)
def test_a_failure_is_retried_under_another_engine_or_larger_limits(
    inbox: Path, sessions, failed_under, engine, timeout_s, memory_mb, parsed_again
):
    note = inbox / "sub" / "note.md"
    digest = sha256_file(note)
    failure = failed_document(
        str(note), digest, "timed out: parsing took longer than 5 s", ErrorClass.TIMEOUT
    )
    save_document(sessions, failure, 0, text_extractor_version(), attempt=failed_under)

    limits = ParseLimits(timeout_s=timeout_s, memory_mb=memory_mb, workers=1)
    summary = ingest([note], sessions, engine=engine, limits=limits)
    assert summary.files[0].outcome is (Outcome.INGESTED if parsed_again else Outcome.KNOWN)
    assert (load_document(sessions, digest).status.value == "ok") is parsed_again


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
