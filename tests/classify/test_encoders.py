"""Encoders by name: each registered name builds its engine once and keys vectors by version."""

from __future__ import annotations

import numpy as np
import pytest

from cluster_nlp.classify.encoders import (
    ENCODERS,
    UnknownEncoderError,
    encoder,
    encoder_version,
)


@pytest.mark.parametrize(
    ("name", "dimension", "version_part"),
    [("e5-small", 384, "e5"), ("use-multilingual-v3", 512, "USE")],
)
def test_each_registered_encoder_embeds_and_names_its_version(name, dimension, version_part):
    engine = encoder(name)
    assert encoder(name) is engine  # built once per process
    vectors = engine.passages(["Кластер объединяет университеты.", "A cluster of AI firms."])
    assert vectors.shape == (2, dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert version_part in encoder_version(name)


def test_the_encoders_keep_their_vectors_apart():
    assert len({encoder_version(name) for name in ENCODERS}) == len(ENCODERS)


def test_an_unknown_encoder_is_a_one_line_error_naming_the_known_ones():
    with pytest.raises(UnknownEncoderError) as raised:
        encoder("word2vec")
    assert "word2vec" in str(raised.value) and "e5-small" in str(raised.value)
    assert "\n" not in str(raised.value)
