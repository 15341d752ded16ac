"""``evaluate`` reports the views that imitate real input; ``predict`` keeps its JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_corpus import make_corpus, write_taxonomy
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.taxonomy import GROUPS

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    return make_corpus(folder / "corpus"), write_taxonomy(folder)


def test_evaluate_reports_every_view_beside_the_baseline(tiny):
    labels, taxonomy = tiny
    args = ["evaluate", "--labels", str(labels), "--taxonomy", str(taxonomy), "--model"]
    result = runner.invoke(app, [*args, "keyword", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["views"]) == {
        "excerpts",
        "no_headings",
        "furniture",
        "ocr_noise",
        "lower_case",
    }
    for view in report["views"].values():
        for group in GROUPS:
            cell = view["groups"][group]
            low, high = cell["interval"]
            assert 0.0 <= low <= cell["micro_f1"] <= high <= 1.0
            assert "baseline_micro_f1" in cell


def test_evaluate_refuses_an_unknown_view(tiny):
    labels, taxonomy = tiny
    args = ["evaluate", "--labels", str(labels), "--taxonomy", str(taxonomy)]
    result = runner.invoke(app, [*args, "--model", "keyword", "--views", "sideways"])
    assert result.exit_code == 2
    assert "unknown view" in result.stderr


def test_predict_json_keeps_its_shape_and_adds_relevance(tiny, tmp_path):
    _, taxonomy = tiny
    off_topic = tmp_path / "prices.txt"
    off_topic.write_text(
        "Wholesale electricity prices fell this winter, and the regulator expects households "
        "to see lower bills in spring.\n\nReferences\n\n[1] Smith, J. (2020). Prices. Energy.",
        "utf-8",
    )
    result = runner.invoke(
        app,
        ["predict", str(off_topic), "--model", "keyword", "--taxonomy", str(taxonomy), "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.splitlines()[-1])
    assert payload["relevance"] == {"relevant": False, "score": 0.0}
    for group in GROUPS:
        assert payload[group]["labels"] == [] and payload[group]["scores"]
    assert payload["evidence"] == {}
