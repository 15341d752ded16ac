"""The real corpus (``corpus/labels.jsonl``): it passes its own check and is varied enough.

Variety rules (from the writers' brief): no two documents with TF-IDF cosine similarity above
0.8, and no sentence longer than eight words in three or more documents. Skipped when the
corpus has not been merged yet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from cluster_nlp.corpus.agreement import compare_annotations, read_second_annotation
from cluster_nlp.corpus.check import check_corpus
from cluster_nlp.corpus.markdown import parse_markdown, plain_text
from cluster_nlp.corpus.schema import LabelRecord, read_label_records
from cluster_nlp.taxonomy import load_taxonomy

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
MAX_SIMILARITY = 0.8
LONG_SENTENCE_WORDS = 8
MAX_DOCS_PER_SENTENCE = 2


@pytest.fixture(scope="module")
def records() -> list[LabelRecord]:
    labels = CORPUS / "labels.jsonl"
    if not labels.is_file():
        pytest.skip("corpus/labels.jsonl is absent: run `cluster-nlp corpus merge` first")
    return read_label_records(labels)


@pytest.fixture(scope="module")
def texts(records) -> dict[str, str]:
    return {
        record.doc_id: plain_text(
            parse_markdown((CORPUS / record.source).read_text(encoding="utf-8"))
        )
        for record in records
    }


def test_corpus_passes_its_check(records) -> None:
    report = check_corpus(CORPUS, load_taxonomy())
    assert [issue.message for issue in report.issues] == []


def test_no_near_duplicate_documents(texts) -> None:
    ids = list(texts)
    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform(texts[doc_id] for doc_id in ids)
    similarity = cosine_similarity(matrix)
    too_close = [
        f"{ids[i]} ~ {ids[j]}: {similarity[i, j]:.2f}"
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
        if similarity[i, j] > MAX_SIMILARITY
    ]
    assert too_close == []


def sentences(text: str) -> list[str]:
    """Sentences, list items and table rows, lower-cased, as space-joined words."""
    pieces = re.split(r"(?<=[.!?…])\s+|\n+", text)
    return [" ".join(re.findall(r"\w+", piece.lower())) for piece in pieces]


def test_no_long_sentence_is_shared_by_three_documents(texts) -> None:
    where: dict[str, set[str]] = defaultdict(set)
    for doc_id, text in texts.items():
        for sentence in sentences(text):
            if len(sentence.split()) > LONG_SENTENCE_WORDS:
                where[sentence].add(doc_id)
    repeated = {s: sorted(ids) for s, ids in where.items() if len(ids) > MAX_DOCS_PER_SENTENCE}
    assert repeated == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Первое предложение. Второе!\n- пункт списка\nЦена 1,5 млн. Конец",
            ["первое предложение", "второе", "пункт списка", "цена 1 5 млн", "конец"],
        ),
        ("One, two; three…  Four?", ["one two three", "four"]),
    ],
)
def test_sentence_splitting(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_second_annotation_covers_the_corpus_with_known_ids(records) -> None:
    """The blind second annotation (corpus/README.md, "Agreement") names only corpus documents
    and taxonomy ids, and covers every document of the six passes it was made for."""
    report = compare_annotations(
        records,
        read_second_annotation(CORPUS / "second-annotation.jsonl", load_taxonomy()),
        load_taxonomy(),
    )
    first_six_passes = {f"w{number}" for number in range(1, 7)}
    assert report.documents == sum(record.batch in first_six_passes for record in records)
    assert all(0.0 < group.micro_f1 <= 1.0 for group in report.groups)
