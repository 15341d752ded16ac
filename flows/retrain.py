"""Prefect flow: corpus labels + analysts' decisions -> train -> evaluate -> register -> promote.

The candidate is always registered; it becomes the current model only when it beats the
current one on the corpus's held-out split by more than ``min_gain`` (mean micro-F1 over the
label groups). An artifact compares the two, group by group, each difference with its paired
bootstrap interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from cluster_nlp.classify.data import decision_texts, load_labeled_texts, merge_decisions
from cluster_nlp.classify.encoders import stored_vectors
from cluster_nlp.classify.promotion import compare_with_current as compare_versions_on_test
from cluster_nlp.classify.train import train_and_register
from cluster_nlp.config import get_settings
from cluster_nlp.registry import promote
from cluster_nlp.store.db import open_store
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

ARTIFACT_COMPARISON = "retrain-comparison"


@task(name="train", cache_policy=NO_CACHE)
def train_version(
    labels: str,
    db: str,
    models_dir: str,
    taxonomy: str | None,
    params: dict | None,
    version: str | None,
) -> str:
    """Train on the corpus with analysts' decisions applied; register; return the version."""
    loaded = load_taxonomy(taxonomy)
    sessions = open_store(db)
    decisions = decision_texts(sessions, loaded)
    # the decided documents' passages were embedded when they were tagged: read, not embedded
    with stored_vectors(sessions):
        result = train_and_register(
            Path(labels), loaded, Path(models_dir), params, version=version, decisions=decisions
        )
    return result.version


@task(name="compare", cache_policy=NO_CACHE)
def compare_with_current(
    labels: str, db: str, models_dir: str, taxonomy: str | None, candidate: str, min_gain: float
) -> dict:
    """Both models on the held-out split; a current model of another taxonomy cannot compete."""
    loaded = load_taxonomy(taxonomy)
    folder = Path(models_dir)
    examples = merge_decisions(
        load_labeled_texts(Path(labels), loaded), decision_texts(open_store(db), loaded)
    )
    comparison = compare_versions_on_test(
        folder, candidate, examples, loaded, min_gain, on_warning=get_run_logger().warning
    )
    return asdict(comparison)


def _score(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


def _difference(comparison: dict, group: str) -> str:
    interval = comparison["intervals"].get(group)
    if interval is None:
        return "—"
    scores = comparison["scores"][group]
    low, high = interval
    return f"{scores['candidate'] - scores['current']:+.3f} [{low:+.3f}, {high:+.3f}]"


def comparison_markdown(comparison: dict, promoted: bool, min_gain: float) -> str:
    current = comparison["current"]
    lines = [
        f"# Retraining: {comparison['candidate']} against {current or 'no current model'}",
        "",
        "Micro-F1 on the corpus's held-out test split; the difference's 95% interval is a "
        "paired bootstrap over documents (an interval across zero: the split cannot tell the "
        "two apart).",
        "",
        f"| group | candidate {comparison['candidate']} | current {current or '—'} "
        "| difference [95% interval] |",
        "|---|---:|---:|---:|",
        *(
            f"| {group} | {_score(comparison['scores'][group]['candidate'])} | "
            f"{_score(comparison['scores'][group]['current'])} | "
            f"{_difference(comparison, group)} |"
            for group in GROUPS
        ),
        "",
    ]
    if current is None:
        lines.append("No comparable current model: the candidate is the first of its taxonomy.")
    else:
        lines.append(f"Mean gain {comparison['gain']:+.3f} (promotion needs > {min_gain:+.3f}).")
    lines.append("Promoted to current." if promoted else "Not promoted: the current model stays.")
    return "\n".join(lines) + "\n"


@flow(name="retrain")
def retrain_flow(
    labels: str | None = None,
    db: str | None = None,
    models_dir: str | None = None,
    taxonomy: str | None = None,
    params: dict | None = None,
    version: str | None = None,
    promote_if_better: bool = True,
    min_gain: float = 0.0,
) -> dict:
    """Train on the corpus plus analysts' decisions; promote only a model that beats the current.

    ``params`` go to each group classifier (e.g. ``{"C": 4.0, "cv": 4}``); ``version`` names
    the new model (default: a timestamp); ``promote_if_better=False`` only registers it.
    """
    settings = get_settings()
    labels = labels or str(settings.corpus_dir / "labels.jsonl")
    db = db or settings.db
    models_dir = models_dir or str(settings.models_dir)
    taxonomy = taxonomy or (str(settings.taxonomy) if settings.taxonomy else None)
    candidate = train_version(labels, db, models_dir, taxonomy, params, version)
    comparison = compare_with_current(labels, db, models_dir, taxonomy, candidate, min_gain)
    promoted = promote_if_better and comparison["better"]
    if promoted:
        promote(Path(models_dir), candidate)
    create_markdown_artifact(
        key=ARTIFACT_COMPARISON,
        markdown=comparison_markdown(comparison, promoted, min_gain),
        description="Candidate against current model on the held-out split",
    )
    get_run_logger().info(
        "candidate %s against %s: gain %+.3f, promoted: %s",
        candidate,
        comparison["current"],
        comparison["gain"],
        promoted,
    )
    return {
        "candidate": candidate,
        "current": comparison["current"],
        "scores": comparison["scores"],
        "gain": comparison["gain"],
        "intervals": comparison["intervals"],
        "promoted": promoted,
    }
