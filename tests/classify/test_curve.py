"""The learning curve: per-language draws, the gain per doubling, refusals, and the command."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from cluster_nlp.classify.curve import (
    check_fractions,
    gain_per_doubling,
    learning_curve,
    subsample,
)
from cluster_nlp.classify.data import load_labeled_texts
from cluster_nlp.classify.train import split
from cluster_nlp.cli import app
from cluster_nlp.taxonomy import GROUPS

runner = CliRunner()


@pytest.mark.parametrize(
    ("documents", "f1", "expected"),
    [
        ([10, 20, 40], [0.5, 0.6, 0.7], 0.1),  # +0.1 at every doubling
        ([10, 20, 40, 80], [0.5, 0.55, 0.6, 0.65], 0.05),
        ([10, 30], [0.5, 0.5], 0.0),  # flat
        ([40], [0.7], 0.0),  # one size: no slope
    ],
)
def test_gain_per_doubling_is_the_slope_against_log2_documents(documents, f1, expected):
    assert gain_per_doubling(documents, f1) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("fractions", "expected"),
    [([1, 0.5, 0.5, 0.25], [0.25, 0.5, 1.0]), ([0.1], [0.1])],
)
def test_shares_are_sorted_and_distinct(fractions, expected):
    assert check_fractions(fractions) == expected


@pytest.mark.parametrize("fractions", [[], [0.0], [1.5], [0.5, -0.2]])
def test_shares_outside_zero_to_one_are_refused(fractions):
    with pytest.raises(ValueError, match=r"training shares must be in \(0, 1\]"):
        check_fractions(fractions)


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75])
def test_a_draw_keeps_the_share_of_each_language(shared_corpus, tiny_taxonomy, fraction):
    train = split(load_labeled_texts(shared_corpus, tiny_taxonomy), "train")
    drawn = subsample(train, fraction, random.Random(1))
    for lang in ("ru", "en"):
        members = [example for example in train if example.lang == lang]
        kept = [example for example in drawn if example.lang == lang]
        assert len(kept) == max(1, round(fraction * len(members)))
    assert [e.doc_id for e in drawn] == [e.doc_id for e in train if e in drawn]
    assert drawn == subsample(train, fraction, random.Random(1))


def test_learning_curve_points_runs_and_slope(shared_corpus, tiny_taxonomy, tiny_params):
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    fits = []
    curve = learning_curve(
        examples,
        tiny_taxonomy,
        (1.0, 0.5),
        repeats=2,
        params=tiny_params,
        on_fit=lambda fraction, repeat: fits.append((fraction, repeat)),
    )
    train = split(examples, "train")
    assert fits == [(0.5, 0), (0.5, 1), (1.0, 0)]
    assert curve["train_documents"] == len(train)
    assert curve["test_documents"] == len(split(examples, "test"))
    half, whole = curve["points"]
    assert (half["fraction"], whole["fraction"]) == (0.5, 1.0)
    assert whole["documents"] == len(train) and half["documents"] < len(train)
    for group in GROUPS:
        assert len(half["groups"][group]["runs"]) == 2 and len(whole["groups"][group]["runs"]) == 1
        assert all(0.0 <= f1 <= 1.0 for f1 in half["groups"][group]["runs"])
        means = [point["groups"][group]["mean"] for point in curve["points"]]
        sizes = [point["documents"] for point in curve["points"]]
        assert curve["gain_per_doubling"][group] == pytest.approx(gain_per_doubling(sizes, means))


def test_learning_curve_command(shared_corpus, tiny_taxonomy_path):
    places = ["--labels", str(shared_corpus), "--taxonomy", str(tiny_taxonomy_path)]
    result = runner.invoke(
        app,
        ["learning-curve", *places, "--fractions", "0.5,1", "--repeats", "1", "--words-only"]
        + ["--json"],
    )
    assert result.exit_code == 0, result.output
    curve = json.loads(result.output)
    assert [point["fraction"] for point in curve["points"]] == [0.5, 1.0]
    assert set(curve["gain_per_doubling"]) == set(GROUPS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fractions", "0.5,2"], "--fractions: training shares must be in (0, 1]"),
        (["--fractions", "half"], "--fractions: could not convert"),
        (["--repeats", "0"], "--repeats must be at least 1"),
    ],
)
def test_learning_curve_refusals_are_one_line(shared_corpus, args, message):
    result = runner.invoke(app, ["learning-curve", "--labels", str(shared_corpus), *args])
    assert result.exit_code == 2
    assert message in result.output and result.output.strip().count("\n") == 0
