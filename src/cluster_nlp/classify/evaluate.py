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


def _resampled_micro_f1(truth: np.ndarray, predicted: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Micro-F1 of each resample of documents (one row of ``rows`` per resample)."""
    true_positives = (truth & predicted).sum(axis=1)
    errors = (truth ^ predicted).sum(axis=1)  # false positives plus false negatives
    doubled = 2 * true_positives[rows].sum(axis=1)
    denominator = doubled + errors[rows].sum(axis=1)
    return np.divide(doubled, denominator, out=np.zeros(len(rows)), where=denominator > 0)


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (float(low), float(high))


def _resamples(documents: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, documents, (resamples, documents))


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
    rows = _resamples(truth.shape[0], resamples, seed)
    return _percentiles(_resampled_micro_f1(truth, predicted, rows), level)


def paired_difference(
    truth: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    resamples: int = BOOTSTRAP_RESAMPLES,
    level: float = INTERVAL_LEVEL,
    seed: int = 0,
) -> dict:
    """Micro-F1 of ``second`` minus that of ``first`` on the same documents, with a paired
    bootstrap interval (both scored on each resample of documents) and the share of resamples
    in which ``second`` scores higher.

    Pairing removes what the two share, which documents happen to be hard, so it tells two
    versions apart where their separate intervals overlap.
    """
    truth = np.asarray(truth, dtype=int)
    first, second = np.asarray(first, dtype=int), np.asarray(second, dtype=int)
    if truth.shape[0] == 0:
        return {"difference": 0.0, "interval": [0.0, 0.0], "second_better_share": 0.0}
    every = np.arange(truth.shape[0])[None, :]
    difference = float(
        (_resampled_micro_f1(truth, second, every) - _resampled_micro_f1(truth, first, every))[0]
    )
    rows = _resamples(truth.shape[0], resamples, seed)
    resampled = _resampled_micro_f1(truth, second, rows) - _resampled_micro_f1(truth, first, rows)
    return {
        "difference": difference,
        "interval": list(_percentiles(resampled, level)),
        "second_better_share": float(np.mean(resampled > 0)),
    }


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
