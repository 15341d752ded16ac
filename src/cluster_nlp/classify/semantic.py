"""The embedding view of a text: its paragraphs as e5 vectors (``embeddings``), scored two ways.

- learned: a logistic regression per label over paragraph vectors, each paragraph inheriting
  its document's labels (multi-instance learning); a document scores the mean of its best
  paragraphs, so the same scores also point at the paragraphs that carry a label;
- prototypes: the cosine between a paragraph and the taxonomy's own description of a label
  (its names, definition, examples and cue phrases, and on request its descriptive sentences,
  embedded as e5 queries). Nothing is learned, so it recognises phrasing that no training
  document used, in either language.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cluster_nlp.classify.embeddings import Embedder
from cluster_nlp.classify.features import passages_of
from cluster_nlp.taxonomy import Taxonomy


def group_prototypes(
    taxonomy: Taxonomy, group: str, descriptions: bool = False
) -> tuple[tuple[str, ...], ...]:
    """Each label's texts to compare paragraphs with, in the group's label order; with
    ``descriptions``, its descriptive sentences too."""
    return tuple(
        (
            label.ru,
            f"{label.en}: {label.definition}",
            *label.examples,
            *label.cues.ru,
            *label.cues.en,
            *((*label.descriptions.ru, *label.descriptions.en) if descriptions else ()),
        )
        for label in taxonomy.group(group).labels
    )


def embed_passages(embedder: Embedder, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every text's paragraphs as vectors, and the index of the text each comes from."""
    units, owners = [], []
    for index, text in enumerate(texts):
        passages = passages_of(text)
        units.extend(passages)
        owners.extend([index] * len(passages))
    return embedder.passages(units), np.asarray(owners, dtype=int)


def embed_prototypes(
    embedder: Embedder, prototypes: Sequence[Sequence[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """All labels' descriptions as query vectors, and the label index of each."""
    texts = [text for label in prototypes for text in label]
    labels = [index for index, label in enumerate(prototypes) for _ in label]
    return embedder.queries(texts), np.asarray(labels, dtype=int)


def prototype_similarity(
    vectors: np.ndarray, prototype_vectors: np.ndarray, prototype_labels: np.ndarray, labels: int
) -> np.ndarray:
    """Per paragraph and label, the cosine with the label's closest description."""
    cosines = vectors @ prototype_vectors.T
    similarity = np.full((len(vectors), labels), -1.0)
    for label in range(labels):
        columns = prototype_labels == label
        if columns.any():
            similarity[:, label] = cosines[:, columns].max(axis=1)
    return similarity


def top_k_mean(unit_scores: np.ndarray, owners: np.ndarray, documents: int, k: int) -> np.ndarray:
    """Per document and label, the mean of its ``k`` best paragraphs' scores."""
    scores = np.empty((documents, unit_scores.shape[1]))
    for index in range(documents):
        ranked = np.sort(unit_scores[owners == index], axis=0)[::-1]
        scores[index] = ranked[:k].mean(axis=0)
    return scores
