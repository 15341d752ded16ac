"""One tagging run over an inbox of hostile files beside good ones (``hostile_corpus.py``).

The run completes; every listed entry is recorded once; each bad file fails with a class from
the closed set and a one-line message; each good file is tagged; no process is left behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import pytest
from hostile_corpus import NON_UTF8_NAME, Expect, HostileCorpus, make_hostile_corpus

from cluster_nlp.pathtext import path_text
from cluster_nlp.statuses import ErrorClass
from flows.tag_documents import ARTIFACT_TABLE, tag_documents_flow

# Limits low enough that the reference loop and the decompression bomb meet them quickly.
LIMITS = {"CLUSTER_NLP_FILE_TIMEOUT_S": "20", "CLUSTER_NLP_FILE_MEMORY_MB": "512"}


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: the faults are the files', and the flow tests cover both backends."""
    return f"sqlite:///{tmp_path}/store.db"


def children() -> set[int]:
    return {process.pid for process in psutil.Process().children(recursive=True)}


def run_hostile(corpus: HostileCorpus, store_url, models_dir, taxonomy_path, out, monkeypatch):
    for name, value in LIMITS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLUSTER_NLP_KEEP_MODELS_LOADED", "0")  # the run must end its child
    before = children()  # Prefect's test server is one of ours already
    result = tag_documents_flow(
        inbox=str(corpus.folder),
        db=store_url,
        out=str(out),
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        chunk_size=10,
    )
    left = children() - before
    return result, left


def check_run(corpus: HostileCorpus, result: dict, left: set[int], out: Path, table: list[dict]):
    assert left == set(), f"processes left behind: {left}"
    assert result["failures"] == []  # no stage failed: every fault stayed with its file
    rows: dict[str, list[dict]] = {}
    for row in table:
        rows.setdefault(row["path"], []).append(row)
    listed = {path_text(case.path) for case in corpus.cases}
    assert set(rows) - {""} == listed
    assert not {path_text(path) for path in corpus.skipped} & set(rows)
    exported = {
        row["id"]: row
        for row in map(json.loads, (out / "tags.jsonl").read_text("utf-8").splitlines())
    }
    classes = {member.value for member in ErrorClass}
    for case in corpus.cases:
        (row,) = rows[path_text(case.path)]  # recorded once
        failed = row["outcome"] == "failed"
        if failed:
            assert row["error_class"] in classes, (case.fault, row)
            assert row["error"] and "\n" not in row["error"], (case.fault, row)
            stored = [doc for doc in exported.values() if doc["path"] == path_text(case.path)]
            assert all(doc["error_class"] == row["error_class"] for doc in stored)
        if case.expect is Expect.MUST_FAIL:
            assert failed and row["error_class"] in case.classes, (case.fault, row)
        if case.expect is Expect.GOOD:
            document = next(
                doc["id"] for doc in exported.values() if doc["path"] == path_text(case.path)
            )
            assert row["outcome"] == "ingested", (case.fault, row)
            assert exported[document]["model_version"] == "v1", case.fault


@pytest.mark.slow
def test_full_hostile_inbox_completes_and_files_every_fault(
    tmp_path, dejavu_font, store_url, models_dir, taxonomy_path, latest_artifact, monkeypatch
):
    corpus = make_hostile_corpus(tmp_path / "inbox", dejavu_font)
    assert len(corpus.cases) >= 100
    out = tmp_path / "out"
    result, left = run_hostile(corpus, store_url, models_dir, taxonomy_path, out, monkeypatch)
    check_run(corpus, result, left, out, latest_artifact(ARTIFACT_TABLE))


def test_hostile_sample_completes_and_files_every_fault(
    tmp_path, dejavu_font, store_url, models_dir, taxonomy_path, latest_artifact, monkeypatch
):
    corpus = make_hostile_corpus(tmp_path / "inbox", dejavu_font, sample=True)
    out = tmp_path / "out"
    result, left = run_hostile(corpus, store_url, models_dir, taxonomy_path, out, monkeypatch)
    check_run(corpus, result, left, out, latest_artifact(ARTIFACT_TABLE))


def test_file_name_that_is_not_utf8_is_tagged_and_the_summary_written(
    tmp_path, dejavu_font, store_url, models_dir, taxonomy_path, latest_artifact, monkeypatch
):
    corpus = make_hostile_corpus(tmp_path / "inbox", dejavu_font, sample=True)
    name = corpus.folder / NON_UTF8_NAME
    name.write_bytes((corpus.folder / "report [draft].pdf").read_bytes() + b"\n% other bytes\n")
    corpus.cases.append(type(corpus.cases[0])(name, Expect.GOOD, fault="name not valid UTF-8"))
    out = tmp_path / "out"
    result, left = run_hostile(corpus, store_url, models_dir, taxonomy_path, out, monkeypatch)
    check_run(corpus, result, left, out, latest_artifact(ARTIFACT_TABLE))
    assert (out / "summary.md").stat().st_size > 0
