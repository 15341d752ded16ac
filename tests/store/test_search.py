"""Full-text search on SQLite FTS5 and PostgreSQL, and "more like this" by passage vectors."""

from __future__ import annotations

import numpy as np
import pytest
from review_store import build_document, store_tagged

from cluster_nlp.store.db import open_store
from cluster_nlp.store.queries import DocumentFilters
from cluster_nlp.store.search import (
    MARK_END,
    MARK_START,
    find_documents,
    query_words,
    search_documents,
    search_hits,
    similar_documents,
    store_passage_vectors,
)

TEXTS = {
    "tech": ["Технопарк поддерживает стартапы в Новосибирске."],
    "fund": ["Венчурный фонд инвестирует в стартапы и технологии."],
    "school": ["The university trains engineers and data scientists."],
}


@pytest.fixture
def stored(store_url):
    sessions = open_store(store_url)
    ids = {}
    for name, paragraphs in TEXTS.items():
        lang = "en" if name == "school" else "ru"
        ids[name] = store_tagged(
            sessions, build_document(f"inbox/{name}.pdf", paragraphs, title=name, lang=lang)
        )
    return sessions, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("стартапы", {"tech", "fund"}),
        ("стартап", {"tech", "fund"}),  # each word matches as a prefix
        ("СТАРТАПЫ фонд", {"fund"}),  # every word must match, in any case
        ("university", {"school"}),
        ("school", {"school"}),  # the title and file name are searched too
        ("квантовый", set()),
        ('"; DROP TABLE documents; --', set()),  # no query syntax reaches SQL
        ("", set()),
    ],
)
def test_full_text_search(stored, query, expected):
    sessions, ids = stored
    found = set(search_documents(sessions, query))
    assert found == {ids[name] for name in expected}


def test_query_words_keep_only_words():
    assert query_words('a"b* OR (c) NEAR/2 -d') == ["a", "b", "OR", "c", "NEAR", "2", "d"]


class AxisEmbedder:
    """Deterministic vectors: each passage points at the axis of the text's first letter."""

    def passages(self, texts):
        rows = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            rows[row, {"Т": 0, "В": 1, "T": 2}.get(text[0], 3)] = 1.0
            rows[row, 3] += 0.1
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_more_like_this_ranks_documents_by_their_passage_vectors(stored):
    sessions, ids = stored
    extra = store_tagged(
        sessions, build_document("inbox/tech2.pdf", ["Технопарк открыл второй корпус."])
    )
    assert store_passage_vectors(sessions, AxisEmbedder(), "axis") == 4
    assert store_passage_vectors(sessions, AxisEmbedder(), "axis") == 0  # each passage once
    ranked = similar_documents(sessions, ids["tech"], limit=3)
    assert ranked[0][0] == extra
    assert ranked[0][1] == pytest.approx(1.0)
    assert ids["tech"] not in [document_id for document_id, _ in ranked]
    page = find_documents(sessions, DocumentFilters(), like=ids["tech"])
    assert page.items[0].id == extra


def test_search_hits_pass_through_the_filters(stored):
    sessions, ids = stored
    page = find_documents(sessions, DocumentFilters(lang="en"), query="стартапы university")
    assert page.total == 0
    page = find_documents(sessions, DocumentFilters(lang="ru"), query="стартапы")
    assert {item.id for item in page.items} == {ids["tech"], ids["fund"]}


@pytest.mark.parametrize(
    ("query", "expected", "marked"),
    [
        ("стартапы", {"tech", "fund"}, "стартапы"),
        ("Новосиб", {"tech"}, "Новосибирске"),  # a prefix marks the whole word
        ("university", {"school"}, "university"),
        ("квантовый", set(), None),
    ],
)
def test_search_hits_carry_a_snippet_with_the_words_marked(stored, query, expected, marked):
    sessions, ids = stored
    hits = search_hits(sessions, query)
    assert {hit.document_id for hit in hits} == {ids[name] for name in expected}
    for hit in hits:
        shown = [hit.snippet[start:end] for start, end in hit.marks]
        assert shown and {word.casefold() for word in shown} == {marked.casefold()}
        assert MARK_START not in hit.snippet and MARK_END not in hit.snippet
