"""A tiny deterministic sentence encoder for tests, registered under ``HASHING``.

A text is the normalised sum of one fixed random vector per word stem (its first five
letters): texts that share stems are close, in any order, and nothing is downloaded.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from cluster_nlp.classify.encoders import EncoderEntry, register_encoder

HASHING = "test-hashing"
DIMENSION = 64


class HashingEncoder:
    version = f"{HASHING} {DIMENSION}"

    def __init__(self) -> None:
        self.texts_seen = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(DIMENSION)
        for word in re.findall(r"\w+", text.lower()):
            seed = zlib.crc32(word[:5].encode("utf-8"))
            vector += np.random.default_rng(seed).standard_normal(DIMENSION)
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.texts_seen += len(texts)
        rows = [self._vector(text) for text in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), DIMENSION)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.passages(texts)


def register_hashing_encoder() -> HashingEncoder:
    """Register a fresh hashing encoder under ``HASHING`` and return it (to count texts)."""
    engine = HashingEncoder()
    register_encoder(HASHING, EncoderEntry(lambda: engine, lambda: engine.version))
    return engine
