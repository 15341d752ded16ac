"""Passage vectors in the store: each text embedded once per encoder version."""

from __future__ import annotations

import numpy as np

from cluster_nlp.store.db import open_store
from cluster_nlp.store.vectors import StoredVectors


class CountingEmbedder:
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def passages(self, texts):
        self.embedded.extend(texts)
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32).reshape(
            len(texts), 3
        )

    def queries(self, texts):
        return self.passages(texts)


def test_a_text_is_embedded_once_per_encoder_version(tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path}/store.db")
    engine = CountingEmbedder()
    first = StoredVectors(sessions, lambda: engine, "enc-1")
    texts = ["a cluster", "a hub", "a cluster"]
    vectors = first.passages(texts)
    assert engine.embedded == ["a cluster", "a hub"]  # the repeated text once
    again = StoredVectors(sessions, lambda: engine, "enc-1").passages(["a hub", "a cluster"])
    assert engine.embedded == ["a cluster", "a hub"]  # nothing new embedded
    assert np.array_equal(again, vectors[[1, 0]])
    StoredVectors(sessions, lambda: engine, "enc-2").passages(["a hub"])
    assert engine.embedded[-1] == "a hub"  # another encoder version embeds anew


def test_with_every_vector_stored_no_encoder_is_loaded(tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path}/store.db")
    StoredVectors(sessions, CountingEmbedder, "enc").passages(["a network"])

    def refuse():
        raise AssertionError("the encoder was loaded")

    assert StoredVectors(sessions, refuse, "enc").passages(["a network"]).shape == (1, 3)
