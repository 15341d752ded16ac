"""Encoders by name: each registered name builds its engine once and keys vectors by version."""

from __future__ import annotations

import numpy as np
import pytest
from hashing_encoder import HASHING, register_hashing_encoder

from cluster_nlp.classify.encoders import (
    ENCODERS,
    UnknownEncoderError,
    encoder,
    encoder_version,
    stored_vectors,
)
from cluster_nlp.store.db import open_store
from cluster_nlp.store.vectors import clear_recent, load_vectors, text_key

TEXTS = [
    "Кластер вырос вокруг университетов и научных институтов региона.",
    "The cluster grew around the region's universities and research institutes.",
    "Рецепт яблочного пирога с корицей и ванилью.",
]


@pytest.mark.parametrize(
    ("name", "dimension", "version_part"),
    [("e5-small", 384, "e5"), ("use-multilingual-v3", 512, "USE")],
)
def test_each_registered_encoder_embeds_and_names_its_version(name, dimension, version_part):
    engine = encoder(name)
    assert encoder(name) is engine  # built once per process
    vectors = engine.passages(TEXTS)
    assert vectors.shape == (3, dimension) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    russian, english, unrelated = vectors  # a translation is closer than another topic
    assert russian @ english > russian @ unrelated + 0.05
    assert russian @ english > english @ unrelated + 0.05
    assert version_part in encoder_version(name)


def test_the_encoders_keep_their_vectors_apart():
    assert len({encoder_version(name) for name in ENCODERS}) == len(ENCODERS)


def test_an_unknown_encoder_is_a_one_line_error_naming_the_known_ones():
    with pytest.raises(UnknownEncoderError) as raised:
        encoder("word2vec")
    assert "word2vec" in str(raised.value) and "e5-small" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_nested_stores_are_read_inner_first_then_outer_and_only_the_rest_embedded(tmp_path):
    # Retraining: the corpus's vector store inside the document store, whose passages were
    # embedded when they were tagged. Neither's vectors are embedded again.
    engine = register_hashing_encoder()
    documents = open_store(f"sqlite:///{tmp_path}/documents.db")
    corpus = open_store(f"sqlite:///{tmp_path}/corpus.db")
    with stored_vectors(documents):
        encoder(HASHING).passages(["a tagged passage"])
    clear_recent()  # as in the retraining's own process
    with stored_vectors(documents), stored_vectors(corpus):
        encoder(HASHING).passages(["a tagged passage", "a corpus passage"])
    assert engine.texts_seen == 2  # the tagged passage once, at tagging; the corpus one now
    version = encoder_version(HASHING)
    keys = [text_key("a tagged passage"), text_key("a corpus passage")]
    # the inner store keeps what it lacked; the document store is only read
    assert set(load_vectors(corpus, version, keys)) == set(keys)
    assert set(load_vectors(documents, version, keys)) == {text_key("a tagged passage")}
