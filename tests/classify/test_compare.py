"""Two versions side by side: the paired difference, labels that moved, documents that changed,
and ``cluster-nlp models compare``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cluster_nlp.classify.compare import compare_group, compare_versions
from cluster_nlp.classify.data import load_labeled_texts
from cluster_nlp.classify.evaluate import paired_difference
from cluster_nlp.classify.train import keyword_classifiers, split
from cluster_nlp.cli import app
from cluster_nlp.registry import load_version
from cluster_nlp.taxonomy import GROUPS

runner = CliRunner()


def _truth_and_versions(documents: int, second_fixes: int, seed: int = 3):
    """Truth for two labels; ``first`` errs on the first ``2 * second_fixes`` documents'
    first label and ``second`` mends half of those errors; both share the other mistakes."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, (documents, 2))
    first = truth.copy()
    first[: 2 * second_fixes, 0] ^= 1
    first[-3:, 1] ^= 1  # mistakes both versions make
    second = first.copy()
    second[:second_fixes, 0] ^= 1
    return truth, first, second


@pytest.mark.parametrize(
    ("documents", "fixes", "better"),
    [
        (60, 0, None),  # the same predictions: no difference at all
        (60, 12, True),  # a fifth of the documents mended: clearly better
        (60, 1, None),  # one document mended: not told apart from chance
    ],
)
def test_paired_difference_tells_a_real_gain_from_chance(documents, fixes, better):
    truth, first, second = _truth_and_versions(documents, fixes)
    result = paired_difference(truth, first, second, resamples=1000)
    low, high = result["interval"]
    assert low <= result["difference"] <= high
    if fixes == 0:
        assert result == {"difference": 0.0, "interval": [0.0, 0.0], "second_better_share": 0.0}
    elif better:
        assert result["difference"] > 0 and low > 0
        assert result["second_better_share"] > 0.99
    else:
        assert result["difference"] > 0 and low <= 0 < high
    swapped = paired_difference(truth, second, first, resamples=1000)
    assert swapped["difference"] == pytest.approx(-result["difference"])
    assert swapped["interval"] == pytest.approx([-high, -low])


def test_paired_interval_is_narrower_than_the_two_separate_ones():
    """Pairing removes the hard documents both versions miss."""
    from cluster_nlp.classify.evaluate import micro_f1_interval

    truth, first, second = _truth_and_versions(60, 6)
    paired = paired_difference(truth, first, second, resamples=1000)["interval"]
    separate = [micro_f1_interval(truth, p, resamples=1000) for p in (first, second)]
    assert paired[1] - paired[0] < min(high - low for low, high in separate)


def test_compare_group_lists_moved_labels_and_changed_documents():
    ids = ("a", "b")
    truth = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    first = np.array([[0, 0], [0, 1], [1, 1], [1, 0]])
    second = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    report = compare_group(ids, truth, first, second, ["d1", "d2", "d3", "d4"], resamples=200)
    assert report["second"] == 1.0 and report["first"] == pytest.approx(2 * 3 / (2 * 3 + 2))
    assert report["per_label"]["a"] == {"first": 0.5, "second": 1.0, "support": 2}
    assert report["per_label"]["b"] == {"first": 1.0, "second": 1.0, "support": 2}
    assert report["changed_documents"] == [
        {"doc_id": "d1", "truth": ["a"], "first": [], "second": ["a"]},
        {"doc_id": "d4", "truth": [], "first": ["a"], "second": []},
    ]


def test_a_version_compared_with_itself_changes_nothing(
    trained_models, shared_corpus, tiny_taxonomy
):
    model = load_version(trained_models, tiny_taxonomy, "v1").classifiers
    test = split(load_labeled_texts(shared_corpus, tiny_taxonomy), "test")
    same = compare_versions(model, model, test, tiny_taxonomy, resamples=200)
    against_keywords = compare_versions(
        keyword_classifiers(tiny_taxonomy), model, test, tiny_taxonomy, resamples=200
    )
    assert set(same) == set(GROUPS)
    for group in GROUPS:
        assert same[group]["difference"] == 0.0 and same[group]["changed_documents"] == []
        changed = against_keywords[group]["changed_documents"]
        assert {row["doc_id"] for row in changed} <= {example.doc_id for example in test}
        assert all(row["first"] != row["second"] for row in changed)


def test_models_compare_command(trained_models, shared_corpus, tiny_taxonomy_path):
    places = [
        "--models",
        str(trained_models),
        "--labels",
        str(shared_corpus),
        "--taxonomy",
        str(tiny_taxonomy_path),
    ]
    result = runner.invoke(app, ["models", "compare", "keyword", "v1", *places, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["first"], report["second"], report["split"]) == ("keyword", "v1", "test")
    assert set(report["groups"]) == set(GROUPS)
    table = runner.invoke(app, ["models", "compare", "keyword", "v1", *places])
    assert table.exit_code == 0 and "2nd - 1st" in table.output
    same = runner.invoke(app, ["models", "compare", "v1", "v1", *places])
    assert same.exit_code == 0 and "no label's F1 moved" in same.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["keyword", "v9"], 1, "model version 'v9' not found"),
        (["keyword", "v1", "--split", "dev"], 2, "--split must be train, test or all"),
    ],
)
def test_models_compare_refusals_are_one_line(
    trained_models, tiny_taxonomy_path, args, code, message
):
    places = ["--models", str(trained_models), "--taxonomy", str(tiny_taxonomy_path)]
    result = runner.invoke(app, ["models", "compare", *args, *places])
    assert result.exit_code == code
    assert message in result.output and result.output.strip().count("\n") == 0
