"""The tagging flow on what users and machines really do: odd file names, copies of the same
bytes, a database that stays away."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.exc import OperationalError

import flows.tag_documents as tagging
from cluster_nlp.ingest.files import sha256_file
from flows.tag_documents import ARTIFACT_TABLE, RETRIES, tag_documents_flow

# Not valid UTF-8 (a Latin-1 or cp1251 name copied from another machine), and a name with a
# newline, quotes and square brackets: both must be stored, tagged and shown as text.
UNDECODABLE = b"bad\xff\xfe.pdf"
UNDECODABLE_SHOWN = "bad\\xff\\xfe.pdf"
ODD = 'net\nwork "draft" [v2].md'
ODD_SHOWN = 'net\\nwork "draft" [v2].md'


def test_odd_names_and_copies_are_stored_tagged_and_written_as_text(
    inbox: Path,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
    good_files: dict[str, list[str]],
    bad_files: set[str],
    latest_artifact,
    monkeypatch,
):
    os.rename(inbox / "report.pdf", os.path.join(os.fsencode(inbox), UNDECODABLE))
    (inbox / "network.md").rename(inbox / ODD)
    for copy in ("copy-1.md", "copy-2.md"):
        shutil.copy(inbox / "accelerator.md", inbox / copy)
    submitted: list[int] = []
    submit = tagging.ingest_chunk.submit

    def count_submits(files, **arguments):
        submitted.append(len(files))
        return submit(files, **arguments)

    monkeypatch.setattr(tagging.ingest_chunk, "submit", count_submits)
    out = tmp_path / "out"
    result = tag_documents_flow(
        inbox=str(inbox),
        db=f"sqlite:///{tmp_path}/store.db",
        out=str(out),
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        chunk_size=25,
    )

    files = len(good_files) + len(bad_files) + 2
    assert submitted == [files]  # one chunk, never split into files retried alone
    assert result["outcomes"] == {
        "ingested": len(good_files),
        "known": 2,
        "failed": len(bad_files),
        "needs_ocr": 0,
    }
    assert result["failures"] == [] and result["tagged"] == len(good_files)

    summary = (out / "summary.md").read_bytes().decode("utf-8")
    assert summary.strip()
    rows = {
        Path(row["path"]).name: row
        for row in map(json.loads, (out / "tags.jsonl").read_text("utf-8").splitlines())
    }
    assert {UNDECODABLE_SHOWN, ODD_SHOWN} <= set(rows)
    for shown in (UNDECODABLE_SHOWN, ODD_SHOWN):
        assert rows[shown]["status"] == "ok" and rows[shown]["model_version"] == "v1"
    with (out / "tags.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert {Path(row["path"]).name for row in csv.DictReader(handle)} == set(rows)
    table = {Path(row["path"]).name: row for row in latest_artifact(ARTIFACT_TABLE)}
    assert table[UNDECODABLE_SHOWN]["outcome"] == "ingested"
    assert sorted(table[name]["outcome"] for name in ("copy-1.md", "copy-2.md")) == [
        "known",
        "known",
    ]


def test_a_database_outage_costs_each_chunk_its_retries_not_each_document(
    inbox: Path, models_dir: Path, taxonomy_path: Path, tmp_path: Path, monkeypatch
):
    calls: list[list[str]] = []

    def unreachable(db, document_ids):  # as the analysis child's error reaches the task
        calls.append(list(document_ids))
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("unable to open"))

    monkeypatch.setattr(tagging.analysis.SHARED, "extract", unreachable)
    # the retries as configured, without waiting between them
    monkeypatch.setattr(
        tagging, "extract_chunk", tagging.extract_chunk.with_options(retry_delay_seconds=0)
    )
    result = tag_documents_flow(
        inbox=str(inbox),
        db=f"sqlite:///{tmp_path}/store.db",
        out=str(tmp_path / "out"),
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        chunk_size=4,
    )

    documents = {sha256_file(inbox / name) for name in ("report.pdf", "network.md")}
    attempts = 1 + RETRIES["retries"]
    chunks = 2  # six good documents in chunks of four
    assert len(calls) == chunks * attempts  # never split into documents retried alone
    failed = {row["item"]: row for row in result["failures"] if row["stage"] == "entities"}
    assert len(failed) == 6 and documents <= set(failed)
    assert all("unable to open" in row["error"] for row in failed.values())
