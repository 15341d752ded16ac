"""Metrics that tell models apart: per label, micro and macro, calibration, and by subgroup."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

CALIBRATION_BINS = 10
BOOTSTRAP_RESAMPLES = 2000
INTERVAL_LEVEL = 0.95


def expected_calibration_error(truth: np.ndarray, scores: np.ndarray) -> float:
    """Mean |observed rate - mean score| over equal-width score bins, weighted by bin size."""
    truth, scores = truth.ravel(), scores.ravel()
    if truth.size == 0:
        return 0.0
    bins = np.minimum((scores * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    error = 0.0
    for index in np.unique(bins):
        members = bins == index
        error += members.sum() * abs(truth[members].mean() - scores[members].mean())
    return float(error / truth.size)


def _prf(truth: np.ndarray, predicted: np.ndarray, average: str) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average=average, zero_division=0
    )
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


def micro_f1_interval(
    truth: np.ndarray,
    predicted: np.ndarray,
    resamples: int = BOOTSTRAP_RESAMPLES,
    level: float = INTERVAL_LEVEL,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of micro-F1, resampling documents.

    A test split of a few dozen documents moves micro-F1 by several points with the documents
    it happens to hold; two versions whose intervals overlap widely are not told apart by it.
    """
    truth, predicted = np.asarray(truth, dtype=int), np.asarray(predicted, dtype=int)
    if truth.shape[0] == 0:
        return (0.0, 0.0)
    true_positives = (truth & predicted).sum(axis=1)
    errors = (truth ^ predicted).sum(axis=1)  # false positives plus false negatives
    rows = np.random.default_rng(seed).integers(0, truth.shape[0], (resamples, truth.shape[0]))
    doubled = 2 * true_positives[rows].sum(axis=1)
    denominator = doubled + errors[rows].sum(axis=1)
    f1 = np.divide(doubled, denominator, out=np.zeros(resamples), where=denominator > 0)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(f1, [tail, 100 - tail])
    return (float(low), float(high))


def group_metrics(
    labels: Sequence[str], truth: np.ndarray, predicted: np.ndarray, scores: np.ndarray
) -> dict:
    """Per-label precision, recall, F1 and support; micro (with a bootstrap interval of its F1)
    and macro; Brier score and ECE."""
    truth = np.asarray(truth, dtype=int)
    predicted = np.asarray(predicted, dtype=int)
    scores = np.asarray(scores, dtype=float)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, average=None, zero_division=0, labels=range(len(labels))
    )
    return {
        "documents": int(truth.shape[0]),
        "per_label": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "micro": _prf(truth, predicted, "micro"),
        "micro_f1_interval": list(micro_f1_interval(truth, predicted)),
        "macro": _prf(truth, predicted, "macro"),
        "brier": float(np.mean((scores - truth) ** 2)) if truth.size else 0.0,
        "ece": expected_calibration_error(truth, scores),
    }


def subgroup_micro_f1(
    keys: Sequence[str], truth: np.ndarray, predicted: np.ndarray
) -> dict[str, dict[str, float]]:
    """Micro-F1 and document count per subgroup (language, genre, ...)."""
    keys = np.asarray(keys, dtype=object)
    result = {}
    for key in sorted(set(keys)):
        members = keys == key
        result[str(key)] = {
            "documents": int(members.sum()),
            "f1": _prf(truth[members], predicted[members], "micro")["f1"],
        }
    return result
