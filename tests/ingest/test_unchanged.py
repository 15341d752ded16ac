"""An ingest that finds nothing new is settled from SQLite directly; anything else is not."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from cluster_nlp.ingest import unchanged
from cluster_nlp.ingest.files import Outcome, sha256_file
from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.ingest.unchanged import ingest_if_unchanged
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import run_record

LIMITS = ParseLimits(timeout_s=60, memory_mb=1024, workers=1)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "note.md").write_text("# Заметка\n\nТекст о технопарке в Томске.\n", "utf-8")
    (folder / "sub" / "news.txt").write_text("AI Sweden opened a hub in Gothenburg.\n", "utf-8")
    (folder / "sub" / "same news.txt").write_bytes((folder / "sub" / "news.txt").read_bytes())
    return folder


def _runs(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return connection.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_a_folder_ingested_before_is_settled_and_its_run_recorded(inbox: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path}/store.db"
    assert ingest_if_unchanged([inbox], url, limits=LIMITS) is None  # no store yet
    assert not (tmp_path / "store.db").exists()
    ingest([inbox], open_store(url), limits=LIMITS)

    totals, seen = [], []
    summary = ingest_if_unchanged(
        [inbox], url, limits=LIMITS, on_total=totals.append, on_file=seen.append
    )
    assert summary is not None
    assert summary.counts == {"ingested": 0, "known": 3, "failed": 0, "needs_ocr": 0}
    assert totals == [3] and [item.outcome for item in seen] == [Outcome.KNOWN] * 3
    assert {item.document_id for item in summary.files} == {
        sha256_file(path) for path in inbox.rglob("*.*")
    }
    run = run_record(open_store(url), summary.run_id)
    assert (run["kind"], run["status"], run["counts"]) == ("ingest", "ok", summary.counts)


def _rename(inbox: Path) -> None:
    (inbox / "note.md").rename(inbox / "renamed note.md")


def _add(inbox: Path) -> None:
    (inbox / "new.md").write_text("Новый текст о кластере.\n", "utf-8")


def _change(inbox: Path) -> None:
    (inbox / "note.md").write_text("# Заметка\n\nИзменённый текст.\n", "utf-8")


def _fifo(inbox: Path) -> None:
    os.mkfifo(inbox / "pipe.md")


@pytest.mark.parametrize("alter", [_rename, _add, _change, _fifo])
def test_anything_new_is_left_to_the_full_ingest_and_nothing_is_written(
    inbox: Path, tmp_path: Path, alter
):
    url = f"sqlite:///{tmp_path}/store.db"
    ingest([inbox], open_store(url), limits=LIMITS)
    alter(inbox)
    runs = _runs(url)
    assert ingest_if_unchanged([inbox], url, limits=LIMITS) is None
    assert _runs(url) == runs


def test_other_stores_are_left_to_the_full_ingest(inbox: Path):
    assert ingest_if_unchanged([inbox], "postgresql://nobody@nowhere/none") is None


def test_a_run_that_cannot_be_recorded_directly_is_left_to_the_full_ingest(
    inbox: Path, tmp_path: Path, monkeypatch
):
    url = f"sqlite:///{tmp_path}/store.db"
    ingest([inbox], open_store(url), limits=LIMITS)

    def locked(*args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(unchanged, "record_finished_run", locked)
    assert ingest_if_unchanged([inbox], url, limits=LIMITS) is None
