"""check_corpus: each kind of problem on a tiny corpus, the counts and the requirements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cluster_nlp.corpus.check import IssueKind, check_corpus
from cluster_nlp.corpus.merge import merge_drafts
from cluster_nlp.corpus.schema import CorpusError


@pytest.fixture
def merged(small_corpus, taxonomy, requirements) -> Path:
    """The small corpus merged, with placeholder PDFs (check only needs them to exist)."""
    corpus, draft = small_corpus
    merge_drafts([draft], corpus, taxonomy, requirements)
    (corpus / "pdf").mkdir()
    for source in (corpus / "src").glob("*.md"):
        (corpus / "pdf" / f"{source.stem}.pdf").write_bytes(b"%PDF-1.4\n")
    return corpus


def _lines(corpus: Path) -> list[dict]:
    return [
        json.loads(line)
        for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def _save(corpus: Path, lines: list[dict], extra: str = "") -> None:
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    (corpus / "labels.jsonl").write_text(text + extra, encoding="utf-8")


def _record(lines: list[dict], doc_id: str) -> dict:
    return next(line for line in lines if line["doc_id"] == doc_id)


def test_clean_corpus_has_no_issues_and_right_counts(merged, taxonomy, requirements) -> None:
    report = check_corpus(merged, taxonomy, requirements)
    assert report.issues == []
    assert report.ok
    assert report.documents == 4
    assert (report.by_lang["ru"], report.by_lang["en"]) == (3, 1)
    assert report.by_split["train"] + report.by_split["test"] == 4
    assert report.negatives == 1
    assert sum(report.label_counts["startups"].values()) == 2
    assert report.label_counts_by_lang["startups"] == {"ru": 1, "en": 1}
    assert report.entity_counts["LOC"] == {"ru": 3, "en": 1}
    assert report.entity_counts["ORG"]["ru"] == 1
    assert dict(report.docs_with_entities) == {"ru": 1, "en": 1}


def _break(corpus: Path, problem: str) -> None:
    lines = _lines(corpus)
    first = _record(lines, "ru-001")
    if problem == "not json":
        _save(corpus, lines, extra="{not json\n")
    elif problem == "schema violation":
        _save(corpus, [*lines, {**first, "doc_id": "ru-009", "split": "dev"}])
    elif problem == "duplicate doc id":
        _save(corpus, [*lines, first])
    elif problem == "unknown label":
        first["functions"] = ["training", "flying"]
        _save(corpus, lines)
    elif problem == "label in the wrong group":
        first["formation_type"] = ["fund"]
        _save(corpus, lines)
    elif problem == "unknown entity type":
        first["entities"][0]["label"] = "CITY"
        _save(corpus, lines)
    elif problem == "missing source":
        (corpus / "src" / "ru-002.md").unlink()
    elif problem == "missing pdf":
        (corpus / "pdf" / "en-001.pdf").unlink()
    elif problem == "bad markdown":
        (corpus / "src" / "ru-003.md").write_text("# Один\n\n# Два\n", encoding="utf-8")
    elif problem == "offset mismatch":
        span = first["entities"][-1]
        span["start"], span["end"] = span["start"] + 1, span["end"] + 1
        _save(corpus, lines)
    elif problem == "overlapping spans":
        span = first["entities"][-1]
        first["entities"].append(
            {
                **span,
                "start": span["start"] + 3,
                "end": span["start"] + 6,
                "text": span["text"][3:6],
            }
        )
        _save(corpus, lines)
    else:
        raise AssertionError(problem)


@pytest.mark.parametrize(
    ("problem", "kind", "message"),
    [
        ("not json", IssueKind.PARSE, "labels.jsonl:5: not JSON"),
        ("schema violation", IssueKind.PARSE, "labels.jsonl:5: split"),
        ("duplicate doc id", IssueKind.DUPLICATE_ID, "labels.jsonl:5: doc id ru-001 appears again"),
        ("unknown label", IssueKind.UNKNOWN_LABEL, "ru-001: unknown functions id 'flying'"),
        (
            "label in the wrong group",
            IssueKind.UNKNOWN_LABEL,
            "ru-001: unknown formation_type id 'fund'",
        ),
        (
            "unknown entity type",
            IssueKind.UNKNOWN_ENTITY_TYPE,
            "ru-001: unknown entity type 'CITY'",
        ),
        ("missing source", IssueKind.MISSING_SOURCE, "ru-002: src/ru-002.md does not exist"),
        ("missing pdf", IssueKind.MISSING_PDF, "en-001: pdf/en-001.pdf does not exist"),
        (
            "bad markdown",
            IssueKind.BAD_MARKDOWN,
            "ru-003: src/ru-003.md: line 3: a second '# Title'",
        ),
        ("offset mismatch", IssueKind.OFFSET_MISMATCH, "ru-001: span"),
        ("overlapping spans", IssueKind.OVERLAPPING_SPANS, "ru-001: span '10 млн рублей'"),
    ],
)
def test_each_problem_is_reported(merged, taxonomy, requirements, problem, kind, message) -> None:
    _break(merged, problem)
    report = check_corpus(merged, taxonomy, requirements)
    assert [issue.kind for issue in report.issues] == [kind]
    assert report.issues[0].message.startswith(message)
    assert "\n" not in report.issues[0].message
    assert not report.ok


@pytest.mark.parametrize(
    ("tightened", "message"),
    [
        ({"min_documents": 5}, "4 documents, need at least 5"),
        ({"min_share_ru": 0.8}, "75% of documents are Russian, need at least 80%"),
        ({"min_docs_per_label": 2}, "formation_type id network is on 1 documents, need at least 2"),
        ({"min_docs_with_entities": 3}, "2 documents have entities, need at least 3"),
        ({"min_docs_with_entities_per_lang": 2}, "1 ru documents have entities, need at least 2"),
        ({"min_negative_documents": 2}, "1 negative documents, need at least 2"),
    ],
)
def test_requirements_are_errors(merged, taxonomy, requirements, tightened, message) -> None:
    report = check_corpus(merged, taxonomy, requirements.model_copy(update=tightened))
    requirement_messages = [i.message for i in report.issues if i.kind is IssueKind.REQUIREMENT]
    assert any(message in text for text in requirement_messages), requirement_messages
    assert report.kinds() == {IssueKind.REQUIREMENT}


def test_too_small_test_split_is_an_error(merged, taxonomy, requirements) -> None:
    lines = _lines(merged)
    for line in lines:
        line["split"] = "train"
    _save(merged, lines)
    report = check_corpus(merged, taxonomy, requirements)
    assert [i.message for i in report.issues] == ["0% of documents are in test, need at least 25%"]


def test_negative_threshold_comes_from_requirements(merged, taxonomy, requirements) -> None:
    # ru-002 has three labels: negative only when up to three labels count as negative.
    assert check_corpus(merged, taxonomy, requirements).negatives == 1
    loose = requirements.model_copy(update={"negative_max_labels": 3})
    assert check_corpus(merged, taxonomy, loose).negatives == 4


def test_missing_labels_file_is_an_error(tmp_path, taxonomy, requirements) -> None:
    with pytest.raises(CorpusError, match="labels.jsonl does not exist"):
        check_corpus(tmp_path, taxonomy, requirements)
