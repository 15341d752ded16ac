"""Retraining: corpus plus analysts' decisions, promoted only when it beats the current model."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from cluster_nlp.records import Decision, ExtractedDocument
from cluster_nlp.registry import current_version, read_metadata
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import save_decision
from cluster_nlp.store.documents import save_document
from flows.retrain import ARTIFACT_COMPARISON, retrain_flow

GROUPS = ("formation_type", "functions", "institutional_forms")
REVIEWED_TEXT = "Акселератор отобрал молодые команды. Ежегодная конференция собрала инженеров."


def with_noisy_train_labels(labels: Path, folder: Path) -> Path:
    """A copy of the corpus whose train documents have each other's labels (test split intact)."""
    records = [json.loads(line) for line in labels.read_text("utf-8").splitlines()]
    train = [record for record in records if record["split"] == "train"]
    shuffled = [{group: record[group] for group in GROUPS} for record in train]
    random.Random(3).shuffle(shuffled)
    for record, wrong in zip(train, shuffled, strict=True):
        record.update(wrong)
    folder.mkdir()
    (folder / "src").symlink_to(labels.parent / "src")
    noisy = folder / "labels.jsonl"
    noisy.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return noisy


def test_a_worse_candidate_is_registered_but_not_promoted(
    corpus_labels: Path, models_dir: Path, taxonomy_path: Path, tmp_path: Path, latest_artifact
):
    result = retrain_flow(
        labels=str(with_noisy_train_labels(corpus_labels, tmp_path / "noisy")),
        db=f"sqlite:///{tmp_path}/store.db",
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        params={"cv": 2},
        version="noisy",
    )
    assert result["current"] == "v1" and result["gain"] < 0 and not result["promoted"]
    assert current_version(models_dir) == "v1"
    assert read_metadata(models_dir, "noisy")["version"] == "noisy"  # registered all the same
    comparison = latest_artifact(ARTIFACT_COMPARISON)
    assert "noisy against v1" in comparison and "Not promoted" in comparison
    assert "paired bootstrap" in comparison
    for group in GROUPS:
        scores = result["scores"][group]
        difference = scores["candidate"] - scores["current"]
        low, high = result["intervals"][group]
        assert low <= difference <= high
        row = f"| {group} | {scores['candidate']:.3f} | {scores['current']:.3f} | "
        assert row + f"{difference:+.3f} [{low:+.3f}, {high:+.3f}] |" in comparison


def test_first_model_learns_from_decisions_and_is_promoted(
    corpus_labels: Path, store_url: str, taxonomy_path: Path, tmp_path: Path, latest_artifact
):
    sessions = open_store(store_url)
    document_id = hashlib.sha256(REVIEWED_TEXT.encode()).hexdigest()
    save_document(
        sessions,
        ExtractedDocument(
            path="reviewed.txt",
            sha256=document_id,
            status=DocumentStatus.OK,
            lang="ru",
            text=REVIEWED_TEXT,
        ),
        size_bytes=len(REVIEWED_TEXT.encode()),
    )
    save_decision(
        sessions,
        Decision(
            document_id=document_id,
            analyst="analyst",
            functions=["startup_support", "events_popularization"],
        ),
    )
    models = tmp_path / "models"
    result = retrain_flow(
        labels=str(corpus_labels),
        db=store_url,
        models_dir=str(models),
        taxonomy=str(taxonomy_path),
        params={"cv": 2},
        version="first",
    )
    assert result == {**result, "candidate": "first", "current": None, "promoted": True}
    assert current_version(models) == "first"
    assert read_metadata(models, "first")["reviewed_documents"] == 1
    assert "Promoted to current" in latest_artifact(ARTIFACT_COMPARISON)
