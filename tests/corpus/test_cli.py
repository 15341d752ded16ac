"""``cluster-nlp corpus`` commands end to end on a tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cluster_nlp.cli.corpus import app

runner = CliRunner()


@pytest.fixture
def options(tmp_path, taxonomy, requirements) -> list[str]:
    """--taxonomy and --requirements pointing at the fixture files."""
    requirements_path = tmp_path / "requirements.yaml"
    requirements_path.write_text(yaml.safe_dump(requirements.model_dump()), encoding="utf-8")
    return [
        "--taxonomy",
        str(tmp_path / "fixture-taxonomy.yaml"),
        "--requirements",
        str(requirements_path),
    ]


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ("check", "--corpus"),
        ("render", "--only"),
        ("merge", "DRAFT.jsonl"),
        ("merge", "--taxonomy"),
        ("agreement", "SECOND.jsonl"),
        ("agreement", "--disagreements"),
        ("rationales", "RATIONALES.jsonl"),
    ],
)
def test_every_command_has_help(command: str, mentions: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert mentions in result.output


def test_merge_render_check_round_trip(small_corpus, options) -> None:
    corpus, draft = small_corpus
    merged = runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    assert merged.exit_code == 0, merged.output
    assert "4 records (4 added, 0 updated)" in merged.output

    rendered = runner.invoke(app, ["render", "--corpus", str(corpus)])
    assert rendered.exit_code == 0, rendered.output
    assert sorted(p.name for p in (corpus / "pdf").glob("*.pdf")) == [
        "en-001.pdf",
        "ru-001.pdf",
        "ru-002.pdf",
        "ru-003.pdf",
    ]

    checked = runner.invoke(app, ["check", "--corpus", str(corpus), *options])
    assert checked.exit_code == 0, checked.output
    for heading in ("Corpus", "Documents per label", "Entity mentions", "corpus OK"):
        assert heading in checked.output


def test_render_only_selected_documents(small_corpus, options) -> None:
    corpus, draft = small_corpus
    runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    result = runner.invoke(
        app, ["render", "--corpus", str(corpus), "--only", "ru-002", "--only", "en-001"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (corpus / "pdf").glob("*.pdf")) == ["en-001.pdf", "ru-002.pdf"]


def test_check_fails_on_missing_pdfs(small_corpus, options) -> None:
    corpus, draft = small_corpus
    runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    result = runner.invoke(app, ["check", "--corpus", str(corpus), *options])
    assert result.exit_code == 1
    assert "[missing_pdf] ru-001: pdf/ru-001.pdf does not exist" in result.output
    assert "4 errors" in result.output


def test_merge_refuses_unknown_ids(write_corpus, make_draft, options) -> None:
    corpus, draft = write_corpus(
        {"ru-001": "# T\n\nТекст.\n"}, [make_draft("ru-001", functions=["flying"])]
    )
    result = runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    assert result.exit_code == 1
    assert "error: ru-001: unknown functions id 'flying'" in result.output
    assert not (corpus / "labels.jsonl").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["check"], "labels.jsonl does not exist"),
        (["render"], "labels.jsonl does not exist"),
        (["render", "--only", "ru-777"], "not in"),
        (["check", "--taxonomy", "missing.yaml"], "cannot read taxonomy"),
    ],
)
def test_failures_exit_non_zero_with_one_line(
    tmp_path: Path, small_corpus, options, arguments, message
) -> None:
    corpus, draft = small_corpus
    if "--only" in arguments:
        runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    else:
        corpus = tmp_path / "empty"
        corpus.mkdir()
    result = runner.invoke(app, [*arguments, "--corpus", str(corpus)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_merge_reports_entities_inside_others(write_corpus, make_draft, options) -> None:
    corpus, draft = write_corpus(
        {"ru-001": "# T\n\nТомская область растёт.\n"},
        [make_draft("ru-001", entities=[("Томская область", "LOC"), ("область", "LOC")])],
    )
    result = runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    assert result.exit_code == 0
    assert (
        "warning: ru-001: entity 'область' (LOC) only occurs inside other entities" in result.output
    )
    record = json.loads((corpus / "labels.jsonl").read_text(encoding="utf-8"))
    assert [span["text"] for span in record["entities"]] == ["Томская область"]


def _rationale_file(path: Path, quotes: dict[str, list[str]]) -> Path:
    line = {"doc_id": "ru-002", "batch": "w1", "rationales": quotes}
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("quotes", "exit_code", "message"),
    [
        (
            {
                "network": ["Ассоциация объединяет компании по всей стране."],
                "startups": ["объединяет компании"],
                "fund": ["по всей стране"],
            },
            0,
            "rationales of 1 documents (3 spans)",
        ),
        ({"network": ["по всему миру"]}, 1, "error: r.jsonl:1: ru-002: quote for 'network' not in"),
    ],
)
def test_rationales_command(small_corpus, options, tmp_path, quotes, exit_code, message) -> None:
    corpus, draft = small_corpus
    runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    notes = _rationale_file(tmp_path / "r.jsonl", quotes)
    result = runner.invoke(app, ["rationales", str(notes), "--corpus", str(corpus), *options[:2]])
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_agreement_prints_rationale_overlap(small_corpus, options, tmp_path) -> None:
    corpus, draft = small_corpus
    runner.invoke(app, ["merge", str(draft), "--corpus", str(corpus), *options])
    quotes = {
        "network": ["Ассоциация объединяет компании по всей стране."],
        "startups": ["объединяет компании"],
        "fund": ["по всей стране"],
    }
    notes = _rationale_file(tmp_path / "r.jsonl", quotes)
    runner.invoke(app, ["rationales", str(notes), "--corpus", str(corpus), *options[:2]])
    record = next(
        json.loads(line)
        for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        if '"ru-002"' in line
    )
    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["agreement", str(second), "--corpus", str(corpus), *options[:2], "--json"]
    )
    assert result.exit_code == 0, result.output
    overlap = {row["group"]: row for row in json.loads(result.output)["rationales"]}
    assert overlap["formation_type"]["char_f1"] == 1.0
    assert overlap["functions"]["labels"] == 1
