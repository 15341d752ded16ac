"""Rationales: locating quotes, the rules merge/rationales/check share, and their overlap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cluster_nlp.corpus.agreement import (
    SecondAnnotation,
    check_rationale_offsets,
    compare_annotations,
    span_overlap,
)
from cluster_nlp.corpus.check import IssueKind, check_corpus
from cluster_nlp.corpus.merge import MergeError, merge_drafts
from cluster_nlp.corpus.rationales import RationaleError, attach_rationales, locate_quote
from cluster_nlp.corpus.schema import CorpusError, RationaleSpan, read_label_records

# Quotes of SMALL_SOURCES (conftest) that justify every label of each document.
QUOTES = {
    "ru-001": {
        "local": ["В Томске в 2021 году АНО «Томский кластер» открыла курсы для инженеров."],
        "training": ["открыла курсы для инженеров"],
        "agency": ["АНО «Томский кластер»"],
    },
    "ru-002": {
        "network": ["Ассоциация объединяет компании по всей стране."],
        "startups": ["Ассоциация объединяет компании"],
        "fund": ["компании по всей стране"],
    },
    "ru-003": {},
    "en-001": {
        "local": ["The Oslo fund"],
        "startups": ["backed twelve startups"],
        "fund": ["The Oslo fund backed twelve startups in 2020."],
    },
}


@pytest.mark.parametrize(
    ("source", "quote", "expected"),
    [
        # exact: the first occurrence
        ("Один. Два. Один.", "Один.", (0, 5)),
        # a quote across a line break: whitespace runs match, offsets are the source's
        ("Кластер открыл\nкурсы.", "Кластер открыл курсы.", (0, 21)),
        ("A  hub   opened.", "A hub opened.", (0, 16)),
        # leading and trailing spaces of a quote are not part of the located span
        ("The hub opened.", " hub opened ", (4, 14)),
        # not there, even with whitespace ignored
        ("Кластер открыл курсы.", "Кластер закрыл курсы.", None),
        ("Кластер.", "   ", None),
        # regex characters are literal
        ("Рост (12%) [^1].", "(12%) [^1]", (5, 15)),
    ],
)
def test_locate_quote(source, quote, expected) -> None:
    span = locate_quote(source, quote)
    if expected is None:
        assert span is None
    else:
        assert (span.start, span.end) == expected
        assert source[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("first", "second", "f1", "jaccard"),
    [
        ([(0, 10)], [(0, 10)], 1.0, 1.0),
        ([(0, 10)], [(10, 20)], 0.0, 0.0),
        ([(0, 10)], [(5, 15)], 0.5, 5 / 15),
        # overlapping spans of one side count each character once
        ([(0, 10), (5, 10)], [(0, 5)], 2 * 5 / 15, 0.5),
        ([(0, 4), (10, 14)], [(0, 4)], 2 * 4 / 12, 0.5),
    ],
)
def test_span_overlap(first, second, f1, jaccard) -> None:
    def spans(pairs):
        return [RationaleSpan(start=s, end=e, text="x" * (e - s)) for s, e in pairs]

    assert span_overlap(spans(first), spans(second)) == pytest.approx((f1, jaccard))


@pytest.fixture
def justified(small_corpus, taxonomy, requirements) -> Path:
    """The small corpus merged with rationales for every label and placeholder PDFs."""
    corpus, draft = small_corpus
    lines = [json.loads(line) for line in draft.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        line["rationales"], line["batch"] = QUOTES[line["doc_id"]], "w1"
    draft.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    merge_drafts([draft], corpus, taxonomy, requirements)
    (corpus / "pdf").mkdir()
    for source in (corpus / "src").glob("*.md"):
        (corpus / "pdf" / f"{source.stem}.pdf").write_bytes(b"%PDF-1.4\n")
    return corpus


def test_merge_locates_rationales_and_check_counts_them(justified, taxonomy, requirements) -> None:
    records = {r.doc_id: r for r in read_label_records(justified / "labels.jsonl")}
    source = (justified / "src" / "ru-001.md").read_text(encoding="utf-8")
    for spans in records["ru-001"].rationales.values():
        assert all(source[s.start : s.end] == s.text for s in spans)
    assert records["ru-003"].rationales == {}
    assert {r.batch for r in records.values()} == {"w1"}
    strict = requirements.model_copy(update={"rationales_required": True, "batch_required": True})
    report = check_corpus(justified, taxonomy, strict)
    assert report.ok, report.issues
    assert sum(report.docs_with_rationales.values()) == 4
    assert report.labels_with_rationales == 9
    assert report.rationale_spans == 9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"local": ["В Омске"]}, "ru-001: quote for 'local' not in src/ru-001.md: 'В Омске'"),
        ({"flying": ["курсы"]}, "ru-001: rationale for unknown label id 'flying'"),
        ({"startups": ["курсы"]}, "ru-001: rationale for 'startups', which the document is not"),
        ({"local": []}, "ru-001: label 'local' has an empty list of quotes"),
    ],
)
def test_merge_refuses_bad_rationales(small_corpus, taxonomy, requirements, change, message):
    corpus, draft = small_corpus
    lines = [json.loads(line) for line in draft.read_text(encoding="utf-8").splitlines()]
    lines[0]["rationales"] = {**QUOTES["ru-001"], **change}
    draft.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    with pytest.raises(MergeError) as caught:
        merge_drafts([draft], corpus, taxonomy, requirements)
    assert any(problem.startswith(message) for problem in caught.value.problems)
    assert not (corpus / "labels.jsonl").exists()


def test_merge_refuses_a_label_without_rationale(small_corpus, taxonomy, requirements) -> None:
    corpus, draft = small_corpus
    lines = [json.loads(line) for line in draft.read_text(encoding="utf-8").splitlines()]
    lines[0]["rationales"] = {"local": QUOTES["ru-001"]["local"]}
    draft.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    with pytest.raises(MergeError) as caught:
        merge_drafts([draft], corpus, taxonomy, requirements)
    assert caught.value.problems == [
        "ru-001: label 'training' has no rationale",
        "ru-001: label 'agency' has no rationale",
    ]


def _edit_first_rationales(corpus: Path, edit) -> None:
    lines = [json.loads(x) for x in (corpus / "labels.jsonl").read_text("utf-8").splitlines()]
    record = next(line for line in lines if line["doc_id"] == "ru-001")
    edit(record["rationales"])
    text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    (corpus / "labels.jsonl").write_text(text, encoding="utf-8")


def _shift(rationales):
    span = rationales["agency"][0]
    span["start"], span["end"] = span["start"] + 1, span["end"] + 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_shift, "ru-001: rationale of 'agency' at"),
        (lambda r: r.pop("training"), "ru-001: label 'training' has no rationale"),
        (lambda r: r.update(training=[]), "ru-001: label 'training' has no rationale"),
        (lambda r: r.update(fund=r["agency"]), "ru-001: rationale for 'fund', which the"),
        (lambda r: r.update(flying=r["agency"]), "ru-001: rationale for unknown label id"),
    ],
)
def test_check_reports_rationale_problems(justified, taxonomy, requirements, edit, message):
    _edit_first_rationales(justified, edit)
    report = check_corpus(justified, taxonomy, requirements)
    assert [issue.kind for issue in report.issues] == [IssueKind.RATIONALE]
    assert report.issues[0].message.startswith(message)


def test_check_requires_rationales_and_batch_when_asked(merged_plain, taxonomy, requirements):
    assert check_corpus(merged_plain, taxonomy, requirements).ok
    strict = requirements.model_copy(update={"rationales_required": True, "batch_required": True})
    messages = [issue.message for issue in check_corpus(merged_plain, taxonomy, strict).issues]
    assert messages == [
        "4 documents have no rationales, all must",
        "4 documents name no batch, all must",
    ]


@pytest.fixture
def merged_plain(small_corpus, taxonomy, requirements) -> Path:
    corpus, draft = small_corpus
    merge_drafts([draft], corpus, taxonomy, requirements)
    (corpus / "pdf").mkdir()
    for source in (corpus / "src").glob("*.md"):
        (corpus / "pdf" / f"{source.stem}.pdf").write_bytes(b"%PDF-1.4\n")
    return corpus


def _write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path


def test_attach_rationales_keeps_labels_and_entities(merged_plain, taxonomy, tmp_path) -> None:
    before = {r.doc_id: r for r in read_label_records(merged_plain / "labels.jsonl")}
    notes = [{"doc_id": d, "batch": "w2", "rationales": q} for d, q in QUOTES.items()]
    result = attach_rationales([_write(tmp_path / "r.jsonl", notes)], merged_plain, taxonomy)
    assert (result.documents, result.spans) == (4, 9)
    after = {r.doc_id: r for r in read_label_records(merged_plain / "labels.jsonl")}
    for doc_id, record in after.items():
        assert record.batch == "w2"
        assert record.model_copy(update={"rationales": None, "batch": None}) == before[doc_id]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ({"doc_id": "ru-404", "rationales": {}}, "r.jsonl:1: document ru-404 is not in"),
        ({"doc_id": "ru-003", "rationales": {"local": ["Казани"]}}, "r.jsonl:1: ru-003: rationale"),
        ({"doc_id": "ru-002", "rationales": {}}, "r.jsonl:1: ru-002: label 'network' has no"),
        ({"doc_id": "ru-003", "batch": "W 1", "rationales": {}}, "r.jsonl:1: batch"),
    ],
)
def test_attach_rationales_refuses_bad_lines(merged_plain, taxonomy, tmp_path, note, message):
    before = (merged_plain / "labels.jsonl").read_bytes()
    with pytest.raises(RationaleError) as caught:
        attach_rationales([_write(tmp_path / "r.jsonl", [note])], merged_plain, taxonomy)
    assert caught.value.problems[0].startswith(message)
    assert (merged_plain / "labels.jsonl").read_bytes() == before


def test_agreement_reports_rationale_overlap(justified, taxonomy) -> None:
    corpus = read_label_records(justified / "labels.jsonl")
    by_id = {record.doc_id: record for record in corpus}
    first = by_id["ru-001"]
    second = [
        # same labels; 'local' justified by the same sentence, 'training' by a disjoint span
        SecondAnnotation(
            doc_id="ru-001",
            formation_type=["local"],
            functions=["training"],
            institutional_forms=["agency"],
            rationales={
                "local": first.rationales["local"],
                "training": first.rationales["agency"],
                "agency": first.rationales["agency"],
            },
        ),
    ]
    check_rationale_offsets(second, corpus, justified)
    report = compare_annotations(corpus, second, taxonomy)
    overlap = {row.group: row for row in report.rationales}
    assert (overlap["formation_type"].labels, overlap["formation_type"].char_f1) == (1, 1.0)
    assert (overlap["functions"].labels, overlap["functions"].any_overlap) == (1, 0.0)
    assert overlap["institutional_forms"].char_jaccard == 1.0
    without = compare_annotations(
        corpus, [second[0].model_copy(update={"rationales": None})], taxonomy
    )
    assert without.rationales is None


def test_second_rationale_offsets_are_checked(justified) -> None:
    corpus = read_label_records(justified / "labels.jsonl")
    wrong = SecondAnnotation(
        doc_id="en-001",
        formation_type=["local"],
        rationales={"local": [RationaleSpan(start=0, end=3, text="abc")]},
    )
    with pytest.raises(CorpusError, match="second rationale of 'local' at 0:3"):
        check_rationale_offsets([wrong], corpus, justified)
