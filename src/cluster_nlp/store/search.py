"""Full-text search (SQLite FTS5, PostgreSQL tsvector) and "more like this" by passage vectors.

Search terms are reduced to words before they reach either engine, so no query syntax of the
user's reaches SQL; each word matches as a prefix ("кластер" finds "кластеры"), all must match.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from pydantic import BaseModel
from sqlalchemy import func, select, text

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import DocumentRow, PassageRow, PassageVectorRow
from cluster_nlp.store.queries import DocumentFilters, DocumentPage, list_documents
from cluster_nlp.store.vectors import save_vectors, text_key

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12


def query_words(query: str) -> list[str]:
    return WORD.findall(query)[:MAX_WORDS]


def search_documents(sessions: SessionFactory, query: str, limit: int = 500) -> list[str]:
    """Ids of the documents matching every word of ``query``, best first."""
    words = query_words(query)
    if not words:
        return []
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            match = " ".join(f'"{word}"*' for word in words)
            rows = session.execute(
                text(
                    "SELECT documents.id FROM documents_fts "
                    "JOIN documents ON documents.rowid = documents_fts.rowid "
                    "WHERE documents_fts MATCH :match ORDER BY documents_fts.rank LIMIT :limit"
                ),
                {"match": match, "limit": limit},
            )
        else:
            tsquery = " & ".join(f"{word}:*" for word in words)
            rows = session.execute(
                text(
                    "SELECT id FROM documents "
                    "WHERE search_vector @@ to_tsquery('simple', :query) "
                    "ORDER BY ts_rank(search_vector, to_tsquery('simple', :query)) DESC, id "
                    "LIMIT :limit"
                ),
                {"query": tsquery, "limit": limit},
            )
        return [row[0] for row in rows]


# Marks around matched words in a snippet: control characters, which no stored text holds
# (extraction drops them), so they cannot be confused with the document's own brackets.
MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_WORDS = 16


class SearchHit(BaseModel):
    """A document matching a full-text query, with a passage of its text around the words."""

    document_id: str
    snippet: str
    marks: list[tuple[int, int]]  # character spans of ``snippet`` that matched


def _marked(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet without its marks, and where the marked words are in it."""
    plain, marks, opened = [], [], None
    for character in snippet:
        if character == MARK_START:
            opened = len(plain)
        elif character == MARK_END and opened is not None:
            marks.append((opened, len(plain)))
            opened = None
        else:
            plain.append(character)
    return _respaced("".join(plain), marks)


def _respaced(plain: str, marks: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Line breaks and runs of spaces become one space; the marks move with their words."""
    shown, moved, position = [], {}, 0
    previous_space = False
    for index, character in enumerate(plain):
        moved[index] = position
        if character.isspace():
            if previous_space:
                continue
            shown.append(" ")
            previous_space = True
        else:
            shown.append(character)
            previous_space = False
        position += 1
    moved[len(plain)] = position
    return "".join(shown), [(moved[start], moved[end]) for start, end in marks]


def search_hits(sessions: SessionFactory, query: str, limit: int = 20) -> list[SearchHit]:
    """The documents matching every word of ``query``, best first, each with a snippet."""
    words = query_words(query)
    if not words:
        return []
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            rows = session.execute(
                text(
                    "SELECT documents.id, snippet(documents_fts, 1, :start, :end, '…', :words) "
                    "FROM documents_fts "
                    "JOIN documents ON documents.rowid = documents_fts.rowid "
                    "WHERE documents_fts MATCH :match ORDER BY documents_fts.rank LIMIT :limit"
                ),
                {
                    "match": " ".join(f'"{word}"*' for word in words),
                    "start": MARK_START,
                    "end": MARK_END,
                    "words": SNIPPET_WORDS,
                    "limit": limit,
                },
            )
        else:
            rows = session.execute(
                text(
                    "SELECT id, ts_headline('simple', left(coalesce(text, ''), 500000), "
                    "to_tsquery('simple', :query), :options) FROM documents "
                    "WHERE search_vector @@ to_tsquery('simple', :query) "
                    "ORDER BY ts_rank(search_vector, to_tsquery('simple', :query)) DESC, id "
                    "LIMIT :limit"
                ),
                {
                    "query": " & ".join(f"{word}:*" for word in words),
                    "options": f"StartSel={MARK_START}, StopSel={MARK_END}, "
                    f"MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}",
                    "limit": limit,
                },
            )
        found = rows.all()
    hits = []
    for document_id, snippet in found:
        plain, marks = _marked(snippet or "")
        hits.append(SearchHit(document_id=document_id, snippet=plain, marks=marks))
    return hits


def store_passage_vectors(
    sessions: SessionFactory, embedder, engine: str, batch: int = 64, on_batch=None
) -> int:
    """Embed every stored passage text that has no vector under ``engine`` yet, each distinct
    text once (the vectors tagging keeps are reused); returns how many texts were embedded."""
    with sessions() as session:
        texts = {text_key(text): text for text in session.scalars(select(PassageRow.text))}
        known = set(
            session.scalars(
                select(PassageVectorRow.text_sha256).where(PassageVectorRow.encoder == engine)
            )
        )
    missing = [(key, text) for key, text in texts.items() if key not in known]
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        vectors = embedder.passages([text for _, text in chunk]).astype(np.float32)
        save_vectors(sessions, engine, dict(zip([key for key, _ in chunk], vectors, strict=True)))
        if on_batch is not None:
            on_batch(len(chunk), len(missing))
    return len(missing)


def _vector_stamp(sessions: SessionFactory) -> tuple:
    with sessions() as session:
        return (
            session.scalar(select(func.count(PassageVectorRow.id))),
            session.scalar(select(func.max(PassageVectorRow.id))),
            session.scalar(select(func.count(PassageRow.id))),
            session.scalar(select(func.max(PassageRow.id))),
        )


def _main_encoder(session) -> str | None:
    """The encoder most passage vectors were made with (the one tagging and review use)."""
    return session.scalar(
        select(PassageVectorRow.encoder)
        .group_by(PassageVectorRow.encoder)
        .order_by(func.count().desc(), PassageVectorRow.encoder)
        .limit(1)
    )


@lru_cache(maxsize=4)
def _document_vectors(sessions: SessionFactory, stamp: tuple) -> tuple[list[str], np.ndarray]:
    """Each document's mean passage vector, unit length, in one matrix."""
    sums: dict[str, np.ndarray] = {}
    with sessions() as session:
        encoder = _main_encoder(session)
        if encoder is None:
            return [], np.zeros((0, 0), dtype=np.float32)
        vectors = {
            key: np.frombuffer(blob, dtype="<f4")
            for key, blob in session.execute(
                select(PassageVectorRow.text_sha256, PassageVectorRow.vector).where(
                    PassageVectorRow.encoder == encoder
                )
            )
        }
        for document_id, text in session.execute(select(PassageRow.document_id, PassageRow.text)):
            vector = vectors.get(text_key(text))
            if vector is not None:
                sums[document_id] = sums.get(document_id, 0) + vector
    ids = sorted(sums)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    matrix = np.stack([sums[document_id] for document_id in ids]).astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return ids, matrix


def similar_documents(
    sessions: SessionFactory, document_id: str, limit: int = 10
) -> list[tuple[str, float]]:
    """The documents whose passages read most like this one's (cosine of mean vectors)."""
    ids, matrix = _document_vectors(sessions, _vector_stamp(sessions))
    if document_id not in ids:
        return []
    row = ids.index(document_id)
    scores = matrix @ matrix[row]
    order = [i for i in np.argsort(-scores) if i != row][:limit]
    return [(ids[i], float(scores[i])) for i in order]


def document_exists(sessions: SessionFactory, document_id: str) -> bool:
    with sessions() as session:
        return session.get(DocumentRow, document_id) is not None


def find_documents(
    sessions: SessionFactory,
    filters: DocumentFilters,
    query: str | None = None,
    like: str | None = None,
) -> DocumentPage:
    """The documents table: full-text hits or documents like ``like`` (ranked), then filters."""
    ids = None
    if like:
        ids = tuple(document_id for document_id, _ in similar_documents(sessions, like, 100))
    elif query and query_words(query):
        ids = tuple(search_documents(sessions, query))
    if ids is not None:
        filters = filters.model_copy(update={"ids": ids})
    return list_documents(sessions, filters)
