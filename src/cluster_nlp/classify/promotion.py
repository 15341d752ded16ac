"""The one promotion rule, used by ``cluster-nlp train --promote`` and the retrain flow.

A candidate becomes the current model only when its mean micro-F1 over the label groups, on
the held-out test split and through the same guard tagging uses (prose only, relevance gate,
cue floor), beats the current model's by more than ``min_gain``; a current model that cannot
be loaded under the taxonomy in use (trained on another one) cannot compete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cluster_nlp.classify.compare import compare_versions
from cluster_nlp.classify.data import LabeledText
from cluster_nlp.classify.settings import load_classify_settings
from cluster_nlp.classify.train import evaluate_classifiers, guarded_classifiers, split
from cluster_nlp.registry import (
    ModelFileError,
    TaxonomyMismatchError,
    current_version,
    load_version,
    promote,
)
from cluster_nlp.taxonomy import GROUPS, Taxonomy


@dataclass(frozen=True)
class Comparison:
    candidate: str
    current: str | None
    scores: dict[str, dict[str, float]]  # group -> {"candidate": micro-F1, "current": micro-F1}
    gain: float  # mean micro-F1 over groups, candidate minus current
    better: bool
    # group -> 95% paired bootstrap interval of candidate minus current (none without a current)
    intervals: dict[str, list[float]]


def compare_on_test(
    candidate: tuple[str, dict],
    current: tuple[str, dict] | None,
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    min_gain: float = 0.0,
) -> Comparison:
    """Whether ``candidate`` beats ``current`` on the test split by more than ``min_gain``, with
    the paired interval of the difference per group (the rule itself is the mean gain)."""
    test = split(examples, "test")
    settings = load_classify_settings()
    candidate = (candidate[0], guarded_classifiers(candidate[1], taxonomy, settings, floor=True))
    if current is not None:
        current = (current[0], guarded_classifiers(current[1], taxonomy, settings, floor=True))
    if current is None:
        new = evaluate_classifiers(candidate[1], test, taxonomy)
        scores = {
            group: {"candidate": new[group]["micro"]["f1"], "current": float("nan")}
            for group in GROUPS
        }
        return Comparison(candidate[0], None, scores, float("inf"), True, {})
    paired = compare_versions(current[1], candidate[1], test, taxonomy)
    scores = {
        group: {"candidate": row["second"], "current": row["first"]}
        for group, row in paired.items()
    }
    gain = float(np.mean([s["candidate"] - s["current"] for s in scores.values()]))
    intervals = {group: row["interval"] for group, row in paired.items()}
    return Comparison(candidate[0], current[0], scores, gain, gain > min_gain, intervals)


def compare_with_current(
    models_dir: Path,
    candidate: str,
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    min_gain: float = 0.0,
    on_warning: Callable[[str], None] | None = None,
) -> Comparison:
    """``candidate`` (a registered version) against the current model on the test split."""
    new = load_version(models_dir, taxonomy, candidate)
    current = None
    try:  # a broken current model cannot compete, and must not keep a good candidate out
        current_name = current_version(models_dir)
        if current_name is not None and current_name != candidate:
            current = (current_name, load_version(models_dir, taxonomy, current_name).classifiers)
    except (ModelFileError, TaxonomyMismatchError) as error:
        if on_warning:
            on_warning(f"current model left out of the comparison: {error}")
    return compare_on_test((candidate, new.classifiers), current, examples, taxonomy, min_gain)


def promote_if_better(
    models_dir: Path,
    candidate: str,
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    min_gain: float = 0.0,
    on_warning: Callable[[str], None] | None = None,
) -> tuple[Comparison, bool]:
    """The promotion rule: compare, and promote ``candidate`` when it is better."""
    comparison = compare_with_current(
        models_dir, candidate, examples, taxonomy, min_gain, on_warning
    )
    if comparison.better:
        promote(models_dir, candidate)
    return comparison, comparison.better
