"""A tiny taxonomy and corpus made by the tests: two or three labels per group.

Training is the slow part, so one tiny model version is trained per session
(``trained_models``, the word model alone); a test that changes a model works on its own copy
(``models_copy``). Models with embedding scores get ``HashedWordsEmbedder`` through their
``embedder`` parameter, so no unit test waits for the e5 engine (``test_embeddings`` checks
the engine itself).
"""

from __future__ import annotations

import re
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import make_corpus, write_taxonomy

from cluster_nlp.classify.train import train_and_register
from cluster_nlp.taxonomy import load_taxonomy

# The session's model is the word model alone: no embedder is needed to train or load it.
TINY_PARAMS = {"cv": 3, "passage_weights": (0.0,), "prototype_weights": (0.0,)}


class HashedWordsEmbedder:
    """A cheap stand-in for e5: a text is the normalised sum of one fixed random vector per
    word stem (its first five letters), so texts that share stems are close, in any order."""

    dimension = 384

    def __init__(self) -> None:
        self.texts_seen = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension)
        for word in re.findall(r"\w+", text.lower()):
            seed = zlib.crc32(word[:5].encode("utf-8"))
            vector += np.random.default_rng(seed).standard_normal(self.dimension)
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.texts_seen += len(texts)
        rows = [self._vector(text) for text in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.passages(texts)


@pytest.fixture
def fake_embedder() -> HashedWordsEmbedder:
    return HashedWordsEmbedder()


TINY_VERSION = "v1"


@pytest.fixture(scope="session")
def tiny_taxonomy_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_taxonomy(tmp_path_factory.mktemp("taxonomy"))


@pytest.fixture(scope="session")
def tiny_taxonomy(tiny_taxonomy_path: Path):
    return load_taxonomy(tiny_taxonomy_path)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A corpus of the test's own, free to edit."""
    return make_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def shared_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same corpus for the whole session: read it, never change it."""
    return make_corpus(tmp_path_factory.mktemp("shared") / "corpus")


@pytest.fixture(scope="session")
def tiny_params() -> dict:
    """Classifier parameters for tiny corpora (three folds, not five)."""
    return dict(TINY_PARAMS)


@pytest.fixture(scope="session")
def trained_models(shared_corpus: Path, tiny_taxonomy, tmp_path_factory) -> Path:
    """A registry holding version ``v1`` trained on ``shared_corpus``; never change it."""
    models = tmp_path_factory.mktemp("trained") / "models"
    train_and_register(shared_corpus, tiny_taxonomy, models, TINY_PARAMS, version=TINY_VERSION)
    return models


@pytest.fixture
def models_copy(trained_models: Path, tmp_path: Path) -> Path:
    """A copy of ``trained_models`` that the test may change."""
    return Path(shutil.copytree(trained_models, tmp_path / "models"))
