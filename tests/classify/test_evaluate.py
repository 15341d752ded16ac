"""Evaluation metrics: per label and micro figures, calibration, and micro-F1's interval."""

from __future__ import annotations

import numpy as np
import pytest

from cluster_nlp.classify.evaluate import (
    expected_calibration_error,
    group_metrics,
    micro_f1_interval,
)


def _random_predictions(documents: int, error_rate: float, seed: int = 1):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, (documents, 4))
    flips = rng.random((documents, 4)) < error_rate
    return truth, truth ^ flips


@pytest.mark.parametrize(
    ("truth", "predicted", "expected"),
    [
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]], (1.0, 1.0)),  # right everywhere: no spread
        ([[1, 0], [0, 1]], [[0, 1], [1, 0]], (0.0, 0.0)),  # wrong everywhere
        (np.zeros((0, 2)), np.zeros((0, 2)), (0.0, 0.0)),  # nothing to resample
    ],
)
def test_interval_of_uniform_results_is_a_point(truth, predicted, expected) -> None:
    assert micro_f1_interval(np.array(truth), np.array(predicted)) == expected


def test_interval_holds_the_point_estimate_and_narrows_with_documents() -> None:
    widths = []
    for documents in (30, 300):
        truth, predicted = _random_predictions(documents, error_rate=0.2)
        metrics = group_metrics(["a", "b", "c", "d"], truth, predicted, predicted.astype(float))
        low, high = metrics["micro_f1_interval"]
        assert low < metrics["micro"]["f1"] < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def test_interval_is_reproducible() -> None:
    truth, predicted = _random_predictions(40, error_rate=0.3)
    assert micro_f1_interval(truth, predicted) == micro_f1_interval(truth, predicted)
    assert micro_f1_interval(truth, predicted, seed=1) != micro_f1_interval(truth, predicted)


@pytest.mark.parametrize(
    ("scores", "truth", "expected"),
    [
        ([0.9, 0.9, 0.1, 0.1], [1, 1, 0, 0], 0.1),  # each bin off by 0.1
        ([0.75, 0.75, 0.75, 0.75], [1, 1, 1, 0], 0.0),  # one bin, exactly calibrated
    ],
)
def test_expected_calibration_error(scores, truth, expected) -> None:
    assert expected_calibration_error(np.array(truth), np.array(scores)) == pytest.approx(expected)
