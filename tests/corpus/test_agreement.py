"""A second annotation compared with the corpus: micro-F1, kappa, disagreements, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli.corpus import app
from cluster_nlp.corpus.agreement import (
    SecondAnnotation,
    compare_annotations,
    read_second_annotation,
)
from cluster_nlp.corpus.schema import CorpusError, LabelRecord
from cluster_nlp.taxonomy import UnknownLabelError

runner = CliRunner()

# (doc_id, split, formation_type, functions) of the corpus side; forms stay empty.
CORPUS = [
    ("ru-001", "train", ["local"], ["training"]),
    ("ru-002", "train", ["network"], ["startups"]),
    ("ru-003", "test", [], []),
    ("en-001", "test", ["local"], ["training", "startups"]),
]


def _record(doc_id: str, split: str, formation: list[str], functions: list[str]) -> LabelRecord:
    return LabelRecord(
        doc_id=doc_id,
        path=f"pdf/{doc_id}.pdf",
        source=f"src/{doc_id}.md",
        lang="en" if doc_id.startswith("en") else "ru",
        genre="news",
        split=split,
        formation_type=formation,
        functions=functions,
    )


def _second(doc_id: str, formation: list[str], functions: list[str]) -> SecondAnnotation:
    return SecondAnnotation(doc_id=doc_id, formation_type=formation, functions=functions)


@pytest.fixture
def corpus() -> list[LabelRecord]:
    return [_record(*row) for row in CORPUS]


def _group(report, name: str):
    return next(group for group in report.groups if group.group == name)


def test_identical_annotations_agree_fully(corpus, taxonomy) -> None:
    second = [_second(r.doc_id, r.formation_type, r.functions) for r in corpus]
    report = compare_annotations(corpus, second, taxonomy)
    assert _group(report, "formation_type").micro_f1 == 1.0
    assert _group(report, "formation_type").mean_kappa == 1.0
    assert report.disagreements == []
    # No side uses a form: kappa is undefined, not perfect.
    assert _group(report, "institutional_forms").mean_kappa is None


@pytest.mark.parametrize(
    ("second", "split", "formation_f1", "disagreeing"),
    [
        # One of the two corpus labels missed, none added: P 1, R 1/2.
        (
            [("ru-001", ["local"], ["training"]), ("ru-002", [], ["startups"])],
            None,
            2 / 3,
            [("ru-002", "formation_type", ("network",), ())],
        ),
        # A label put on a negative: P 1/2, R 1 on the test split.
        (
            [("ru-003", ["local"], []), ("en-001", ["local"], ["training", "startups"])],
            "test",
            2 / 3,
            [("ru-003", "formation_type", (), ("local",))],
        ),
    ],
)
def test_disagreements_lower_f1_and_are_listed(
    corpus, taxonomy, second, split, formation_f1, disagreeing
) -> None:
    report = compare_annotations(corpus, [_second(*row) for row in second], taxonomy, split)
    assert _group(report, "formation_type").micro_f1 == pytest.approx(formation_f1)
    assert [
        (d.doc_id, d.group, d.corpus_only, d.second_only) for d in report.disagreements
    ] == disagreeing
    assert report.not_annotated == (2 if split is None else 0)


def test_kappa_discounts_chance(corpus, taxonomy) -> None:
    """Both sides say "local" on the same two documents out of four, and differ on "network"."""
    second = [
        _second("ru-001", ["local"], []),
        _second("ru-002", [], []),
        _second("ru-003", ["network"], []),
        _second("en-001", ["local"], []),
    ]
    kappa = _group(compare_annotations(corpus, second, taxonomy), "formation_type").kappa
    assert kappa["local"] == 1.0
    assert kappa["network"] == pytest.approx(-1 / 3)


@pytest.mark.parametrize(
    ("lines", "error", "message"),
    [
        (['{"doc_id": "ru-001", "formation_type": ["regional"]}'], UnknownLabelError, "regional"),
        (['{"doc_id": "ru-001"}', '{"doc_id": "ru-001"}'], CorpusError, "annotated twice"),
        (["{not json"], CorpusError, "not JSON"),
    ],
)
def test_bad_second_annotation_is_one_line_error(
    tmp_path: Path, taxonomy, lines, error, message
) -> None:
    path = tmp_path / "second.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(error, match=message) as raised:
        read_second_annotation(path, taxonomy)
    assert "\n" not in str(raised.value)


def test_document_outside_the_corpus_is_refused(corpus, taxonomy) -> None:
    with pytest.raises(CorpusError, match="ru-999 .* not in the corpus"):
        compare_annotations(corpus, [_second("ru-999", [], [])], taxonomy)


def test_cli_prints_json_and_fails_cleanly(tmp_path: Path, corpus, taxonomy) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "labels.jsonl").write_text(
        "".join(record.model_dump_json() + "\n" for record in corpus), encoding="utf-8"
    )
    second = tmp_path / "second.jsonl"
    second.write_text(
        json.dumps({"doc_id": "ru-001", "formation_type": ["local"], "reason": "a note"}) + "\n"
    )
    options = ["--corpus", str(folder), "--taxonomy", str(tmp_path / "fixture-taxonomy.yaml")]
    result = runner.invoke(app, ["agreement", str(second), *options, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["documents"] == 1 and report["groups"][0]["micro_f1"] == 1.0

    second.write_text(json.dumps({"doc_id": "ru-001", "functions": ["mentoring"]}) + "\n")
    failed = runner.invoke(app, ["agreement", str(second), *options])
    assert failed.exit_code == 1
    assert "unknown functions id 'mentoring'" in failed.output
