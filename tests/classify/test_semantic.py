"""The embedding view: paragraphs to vectors, closeness to label descriptions, pooling."""

from __future__ import annotations

import numpy as np
import pytest

from cluster_nlp.classify.features import passages_of
from cluster_nlp.classify.semantic import (
    embed_passages,
    embed_prototypes,
    group_prototypes,
    prototype_similarity,
    top_k_mean,
)


@pytest.mark.parametrize(
    ("scores", "owners", "k", "expected"),
    [
        ([[0.1], [0.9], [0.5]], [0, 0, 0], 1, [[0.9]]),  # the best paragraph
        ([[0.1], [0.9], [0.5]], [0, 0, 0], 2, [[0.7]]),  # the mean of the two best
        ([[0.1], [0.9]], [0, 1], 3, [[0.1], [0.9]]),  # fewer paragraphs than k: all of them
        ([[0.2, 0.8], [0.6, 0.4]], [0, 0], 1, [[0.6, 0.8]]),  # each label its own best
    ],
)
def test_top_k_mean(scores, owners, k, expected):
    result = top_k_mean(np.array(scores), np.array(owners), len(expected), k)
    np.testing.assert_allclose(result, expected)


def test_prototype_similarity_is_the_closest_description_of_each_label():
    vectors = np.eye(3)[:2]  # paragraph 0 along x, paragraph 1 along y
    prototypes = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, 0.6, 0.8]])
    labels = np.array([0, 0, 1])  # label 0 has two descriptions, label 2 none
    similarity = prototype_similarity(vectors, prototypes, labels, labels=3)
    np.testing.assert_allclose(similarity, [[1.0, 0.0, -1.0], [0.0, 0.6, -1.0]])


@pytest.mark.parametrize("descriptions", [False, True])
def test_prototypes_are_each_labels_names_definition_cues_and_descriptions_on_request(
    tiny_taxonomy, descriptions
):
    group = tiny_taxonomy.group("functions")
    prototypes = group_prototypes(tiny_taxonomy, "functions", descriptions)
    assert len(prototypes) == len(group.labels)
    for label, texts in zip(group.labels, prototypes, strict=True):
        assert texts[0] == label.ru and label.definition in texts[1]
        assert set(label.cues.ru + label.cues.en) <= set(texts)
        sentences = set(label.descriptions.ru + label.descriptions.en)
        assert (sentences <= set(texts)) if descriptions else not (sentences & set(texts))
    assert any(label.descriptions.ru for label in group.labels)


def test_paragraphs_and_descriptions_are_embedded_with_their_owners(fake_embedder):
    texts = ["Первый абзац, достаточно длинный.\n\nВторой абзац, тоже длинный.", "Один абзац."]
    vectors, owners = embed_passages(fake_embedder, texts)
    assert owners.tolist() == [0] * len(passages_of(texts[0])) + [1]
    assert vectors.shape == (len(owners), fake_embedder.dimension)
    queries, labels = embed_prototypes(fake_embedder, (("a", "b"), ("c",)))
    assert labels.tolist() == [0, 0, 1] and queries.shape == (3, fake_embedder.dimension)
