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


def test_vectors_read_lately_come_from_memory_per_store_until_forgotten(tmp_path, monkeypatch):
    from cluster_nlp.store import vectors as module

    engine = CountingEmbedder()
    one = open_store(f"sqlite:///{tmp_path}/one.db")
    StoredVectors(one, lambda: engine, "enc-1").passages(["a cluster", "a hub"])
    reads = []
    monkeypatch.setattr(module, "load_vectors", lambda *args: reads.append(args[2]) or {})
    StoredVectors(one, lambda: engine, "enc-1").passages(["a hub", "a cluster"])
    assert reads == [] and engine.embedded == ["a cluster", "a hub"]  # from memory
    # Another store has its own rows: it is read (and, lacking them, given them).
    other = open_store(f"sqlite:///{tmp_path}/other.db")
    StoredVectors(other, lambda: engine, "enc-1").passages(["a hub"])
    assert reads == [[module.text_key("a hub")]]
    module.forget_recent([module.text_key("a cluster")])
    StoredVectors(one, lambda: engine, "enc-1").passages(["a cluster"])
    assert reads[-1] == [module.text_key("a cluster")]  # forgotten: read from the store again
