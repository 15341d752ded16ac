"""Prefect flow: labels -> train -> evaluate -> register -> promote only if better."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from cluster_nlp.classify.data import decision_texts, load_labeled_texts, merge_decisions
from cluster_nlp.classify.train import Comparison, compare_on_test, train_and_register
from cluster_nlp.config import get_settings
from cluster_nlp.registry import current_version, load_version, promote
from cluster_nlp.store.db import open_store
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

ARTIFACT_COMPARISON = "retrain-comparison"


@task(cache_policy=NO_CACHE)
def train_version(labels: str, db: str, models_dir: str) -> str:
    taxonomy = load_taxonomy()
    decisions = decision_texts(open_store(db), taxonomy)
    return train_and_register(Path(labels), taxonomy, Path(models_dir), decisions=decisions).version


@task(cache_policy=NO_CACHE)
def compare_with_current(
    labels: str, db: str, models_dir: str, candidate: str, min_gain: float
) -> Comparison:
    taxonomy = load_taxonomy()
    folder = Path(models_dir)
    examples = merge_decisions(
        load_labeled_texts(Path(labels), taxonomy), decision_texts(open_store(db), taxonomy)
    )
    new = load_version(folder, taxonomy, candidate)
    current_name = current_version(folder)
    current = None
    if current_name is not None and current_name != candidate:
        current = (current_name, load_version(folder, taxonomy, current_name).classifiers)
    return compare_on_test((candidate, new.classifiers), current, examples, taxonomy, min_gain)


def comparison_markdown(comparison: Comparison, promoted: bool) -> str:
    lines = [
        f"# Retraining: {comparison.candidate} against {comparison.current or 'no current model'}",
        "",
        "| group | candidate micro-F1 | current micro-F1 |",
        "|---|---:|---:|",
        *(
            f"| {group} | {comparison.scores[group]['candidate']:.3f} | "
            f"{comparison.scores[group]['current']:.3f} |"
            for group in GROUPS
        ),
        "",
        f"Mean gain: {comparison.gain:+.3f}. "
        + ("Promoted to current." if promoted else "Not promoted: the current model stays."),
    ]
    return "\n".join(lines) + "\n"


@flow(name="retrain", log_prints=True)
def retrain_flow(
    labels: str = "corpus/labels.jsonl",
    db: str | None = None,
    models_dir: str = "models",
    promote_if_better: bool = True,
    min_gain: float = 0.0,
) -> dict:
    """Train on the corpus plus analysts' decisions; promote only a model that beats the current."""
    db = db or get_settings().db
    candidate = train_version(labels, db, models_dir)
    comparison = compare_with_current(labels, db, models_dir, candidate, min_gain)
    promoted = promote_if_better and comparison.better
    if promoted:
        promote(Path(models_dir), candidate)
    create_markdown_artifact(
        key=ARTIFACT_COMPARISON,
        markdown=comparison_markdown(comparison, promoted),
        description="Candidate against current model on the held-out split",
    )
    get_run_logger().info(
        "candidate %s, gain %+.3f, promoted: %s", candidate, comparison.gain, promoted
    )
    return {
        "candidate": candidate,
        "current": comparison.current,
        "gain": comparison.gain,
        "promoted": promoted,
    }
