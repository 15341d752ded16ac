"""Ingestion reads the corpus PDFs back as the text they were rendered from.

For every document of ``corpus/labels.jsonl``, ``cluster_nlp.ingest.extract`` must recover the
markdown source's words (syntax stripped, footnote markers dropped, whitespace ignored) in at
least 95% of characters, counting the document text and the cells of the tables it found.
Skipped when the corpus has not been merged and rendered.
"""

from __future__ import annotations

import re
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from cluster_nlp.corpus.markdown import MarkdownDocument, TableBlock, parse_markdown, plain_text
from cluster_nlp.corpus.schema import read_label_records
from cluster_nlp.records import ExtractedDocument

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
MIN_FIDELITY = 0.95


def _documents() -> list[tuple[str, str, str]]:
    labels = CORPUS / "labels.jsonl"
    if not labels.is_file():
        return []
    return [(r.doc_id, r.source, r.path) for r in read_label_records(labels)]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def fidelity(expected: str, extracted: str, movable: tuple[str, ...] = ()) -> float:
    """Character-weighted similarity of the two word sequences, 0..1.

    Words are aligned with difflib; each matched word counts its length on both sides, so
    the score is 2 * matched characters / (expected + extracted characters), like
    ``SequenceMatcher.ratio`` but over characters of whole words, fast on long documents.
    ``movable`` texts (footnotes) may sit anywhere in the extraction: they are aligned
    separately against the words the main text did not use.
    """
    a, b = words(expected), words(extracted)
    pieces = [words(piece) for piece in movable]
    total = sum(map(len, a)) + sum(len(w) for piece in pieces for w in piece) + sum(map(len, b))
    if total == 0:
        return 1.0
    matched, leftover = _align(a, b)
    for piece in pieces:
        piece_matched, leftover = _align(piece, leftover)
        matched += piece_matched
    return 2 * matched / total


def _align(a: list[str], b: list[str]) -> tuple[int, list[str]]:
    """Characters of ``a`` matched in order in ``b``, and the words of ``b`` left unmatched."""
    used = [False] * len(b)
    matched = 0
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        matched += sum(len(w) for w in a[block.a : block.a + block.size])
        used[block.b : block.b + block.size] = [True] * block.size
    return matched, [w for w, taken in zip(b, used, strict=True) if not taken]


@pytest.mark.parametrize(
    ("expected", "extracted", "low", "high"),
    [
        ("Кластер объединил компании", "Кластер объединил компании", 1.0, 1.0),
        ("Кластер объединил компании", "кластер   объединил\nкомпании", 1.0, 1.0),
        ("Кластер объединил компании", "Кластер объединил", 0.8, 0.9),
        ("Кластер объединил компании", "- 1 - Кластер объединил компании Стр. 1 из 1", 0.85, 0.95),
        ("разработка решений", "разра- ботка решений", 0.4, 0.6),
        ("", "", 1.0, 1.0),
    ],
)
def test_fidelity_measure(expected: str, extracted: str, low: float, high: float) -> None:
    assert low <= fidelity(expected, extracted) <= high


@pytest.mark.parametrize(
    ("extracted", "score"),
    [
        ("Первый абзац текста. Сноска о данных. Второй абзац текста.", 1.0),
        ("Первый абзац текста. Второй абзац текста. Сноска о данных.", 1.0),
        ("Первый абзац текста. Второй абзац текста.", 0.8),
    ],
)
def test_footnotes_may_move(extracted: str, score: float) -> None:
    body = "Первый абзац текста. Второй абзац текста."
    result = fidelity(body, extracted, movable=("Сноска о данных.",))
    assert result == pytest.approx(score, abs=0.05)


DOCUMENTS = _documents()


@pytest.mark.skipif(
    not DOCUMENTS, reason="corpus/labels.jsonl is absent: run `cluster-nlp corpus merge`"
)
@pytest.mark.parametrize(("doc_id", "source", "pdf"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_extracted_text_matches_source(doc_id: str, source: str, pdf: str) -> None:
    from cluster_nlp.ingest import extract

    path = CORPUS / pdf
    if not path.is_file():
        pytest.fail(f"{pdf} is missing: run `cluster-nlp corpus render`")
    document = extract(path)
    assert document.status == "ok", document.error
    markdown = parse_markdown((CORPUS / source).read_text(encoding="utf-8"))
    body, movable = expected_parts(markdown)
    score = fidelity(body, extracted_text(document), movable)
    assert score >= MIN_FIDELITY, f"{doc_id}: {score:.3f} of characters match the source"


def expected_parts(markdown: MarkdownDocument) -> tuple[str, tuple[str, ...]]:
    """The running text in reading order, and the parts that may move: tables and footnotes.

    Ingestion keeps tables as ``Page.tables`` and a page footnote lands wherever its page
    ends, so neither has a fixed place relative to the running text.
    """
    tables = [block for block in markdown.blocks if isinstance(block, TableBlock)]
    running = replace(
        markdown,
        blocks=tuple(block for block in markdown.blocks if not isinstance(block, TableBlock)),
        footnotes={},
    )
    table_texts = tuple(" ".join(" ".join(row) for row in (t.header, *t.rows)) for t in tables)
    return plain_text(running), (*table_texts, *markdown.footnotes.values())


def extracted_text(document: ExtractedDocument) -> str:
    """The document's text followed by the cells of every table found."""
    cells = [
        cell or ""
        for page in document.pages
        for table in page.tables
        for row in table.cells
        for cell in row
    ]
    return "\n".join([document.text, *cells])
