"""Metrics that tell models apart: per label, micro and macro, calibration, and by subgroup."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

CALIBRATION_BINS = 10


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


def group_metrics(
    labels: Sequence[str], truth: np.ndarray, predicted: np.ndarray, scores: np.ndarray
) -> dict:
    """Per-label precision, recall, F1 and support; micro and macro; Brier score and ECE."""
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
