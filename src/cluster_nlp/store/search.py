"""Full-text search (SQLite FTS5, PostgreSQL tsvector) and "more like this" by passage vectors.

Search terms are reduced to words before they reach either engine, so no query syntax of the
user's reaches SQL; each word matches as a prefix ("кластер" finds "кластеры"), all must match.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
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
