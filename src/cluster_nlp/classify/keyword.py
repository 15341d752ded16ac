"""The baseline every model is reported beside: the taxonomy's cue phrases, matched on stems.

A label is predicted when at least ``min_matches`` of its cue occurrences are found; the
score grows with the number of occurrences. It learns nothing, but keeps the estimator API so
evaluation treats it like any model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from cluster_nlp.classify.features import cue_counts, group_cues
from cluster_nlp.taxonomy import Taxonomy


class KeywordClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, taxonomy: Taxonomy | None = None, group: str = "", min_matches: int = 1):
        self.taxonomy = taxonomy
        self.group = group
        self.min_matches = min_matches

    def fit(self, texts: Sequence[str] = (), Y=None) -> KeywordClassifier:
        self.classes_ = np.asarray(self.taxonomy.group_ids(self.group), dtype=object)
        self.thresholds_ = np.full(len(self.classes_), self._score(self.min_matches))
        return self

    @staticmethod
    def _score(matches: np.ndarray | int) -> np.ndarray:
        return 1.0 - np.exp(-0.7 * np.asarray(matches, dtype=float))

    def match_counts(self, texts: Sequence[str]) -> np.ndarray:
        return cue_counts(texts, group_cues(self.taxonomy, self.group))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._score(self.match_counts(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.match_counts(texts) >= self.min_matches).astype(int)
