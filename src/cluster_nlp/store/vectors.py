"""Passage vectors kept in the store: each passage text is embedded once per encoder version.

``StoredVectors`` is an embedder (see ``classify.embeddings.Embedder``) in front of another:
it answers passages from the ``passage_vectors`` table and embeds, then stores, only the
texts it has never seen under that encoder version. Re-tagging with a new model version,
retraining and search read the stored vectors. Queries (the taxonomy's descriptions, embedded
once per model) are passed through.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import PassageVectorRow

LOOKUP_BATCH = 500  # sha256 keys per SELECT ... IN (...)
# Vectors read from or kept in a store lately, by store, encoder version and text: tagging
# one document asks for its passages several times (each group's scores, then its evidence).
RECENT_SIZE = 4096
_recent: OrderedDict[tuple[SessionFactory, str, str], np.ndarray] = OrderedDict()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clear_recent() -> None:
    """Drop every vector held in memory: the next reads go to the store."""
    _recent.clear()


def forget_recent(keys: Sequence[str]) -> None:
    """Drop these texts' vectors from memory, as ``forget`` drops them from the store."""
    gone = set(keys)
    for where in [where for where in _recent if where[2] in gone]:
        del _recent[where]


def load_vectors(sessions: SessionFactory, encoder: str, keys: list[str]) -> dict[str, np.ndarray]:
    """The stored vectors of the texts whose sha256 is in ``keys``, under ``encoder``."""
    found = {}
    with sessions() as session:
        for start in range(0, len(keys), LOOKUP_BATCH):
            rows = session.execute(
                select(PassageVectorRow.text_sha256, PassageVectorRow.vector).where(
                    PassageVectorRow.encoder == encoder,
                    PassageVectorRow.text_sha256.in_(keys[start : start + LOOKUP_BATCH]),
                )
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype="<f4")
    return found


def save_vectors(sessions: SessionFactory, encoder: str, vectors: dict[str, np.ndarray]) -> None:
    """Keep ``vectors`` (text sha256 -> vector) under ``encoder``."""
    try:
        with sessions.begin() as session:
            session.add_all(
                PassageVectorRow(
                    text_sha256=key,
                    encoder=encoder,
                    dimension=len(vector),
                    vector=np.asarray(vector, dtype="<f4").tobytes(),
                )
                for key, vector in vectors.items()
            )
    except IntegrityError:
        pass  # a concurrent run stored some of them first; theirs are the same vectors


class StoredVectors:
    """Passage vectors from ``sessions`` under ``encoder`` (a version string), embedding the
    missing ones with ``embedder`` (a callable that returns the embedder, called only when
    something is missing: with every vector stored, no encoder is even loaded). With
    ``keep=False`` the store is only read: what it lacks is not written into it."""

    def __init__(
        self, sessions: SessionFactory, embedder: Callable, encoder: str, keep: bool = True
    ) -> None:
        self.sessions = sessions
        self.embedder = embedder
        self.encoder = encoder
        self.keep = keep

    def _stored(self, keys: list[str]) -> dict[str, np.ndarray]:
        found = {key: _recent[where] for key in keys if (where := self._where(key)) in _recent}
        unread = [key for key in keys if key not in found]
        if unread:
            found.update(load_vectors(self.sessions, self.encoder, unread))
        self._remember(found)
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        save_vectors(self.sessions, self.encoder, vectors)
        self._remember(vectors)

    def _where(self, key: str) -> tuple[SessionFactory, str, str]:
        return self.sessions, self.encoder, key

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        for key, vector in vectors.items():
            _recent[self._where(key)] = vector
            _recent.move_to_end(self._where(key))
        while len(_recent) > RECENT_SIZE:
            _recent.popitem(last=False)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.embedder().passages([])
        keys = [text_key(text) for text in texts]
        found = self._stored(sorted(set(keys)))
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            computed = self.embedder().passages(list(missing.values()))
            fresh = dict(zip(missing, computed, strict=True))
            if self.keep:
                self._store(fresh)
            found.update(fresh)
        return np.stack([found[key] for key in keys]).astype(np.float32)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder().queries(texts)
