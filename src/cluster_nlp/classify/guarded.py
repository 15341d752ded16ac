"""A group classifier as tagging uses it: prose only, a relevance gate, and a cue floor.

Every path that turns a text into labels goes through ``GuardedClassifier`` (``predict``,
``tag``, ``evaluate``, ``models compare``, the promotion rule), for a trained model and for
the keyword baseline alike, so what is evaluated is what is shipped:

1. only the text's prose is scored (``content``: no headings, URLs, reference lists);
2. an off-topic text (``relevance``) gets no label: every score is 0;
3. the cue floor (trained models only; per group, ``cue_floor`` in the settings, where a
   group may have none): a label whose cue phrases occur at least ``min_matches`` times is
   assigned unless the model scores it below ``veto_below``. Its score is raised to the
   label's threshold, so it is assigned and, being at the threshold, marked for review. The
   keyword baseline assigns exactly these labels, so a model can only add labels to it or take
   away those it is confident against. The packaged settings leave it off in every group
   (``classify.yaml`` says why, with the figures).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cluster_nlp.classify.content import content_text
from cluster_nlp.classify.features import cue_counts
from cluster_nlp.classify.relevance import RelevanceDecision, relevance
from cluster_nlp.classify.settings import ClassifySettings, CueFloorSettings


class GuardedClassifier:
    """``model`` (a fitted group classifier) behind the prose filter, the relevance gate and,
    with a ``floor`` rule, the cue floor over ``cues`` (each label's cue phrases, in label
    order)."""

    def __init__(
        self,
        model,
        cues: Sequence[Sequence[str]],
        settings: ClassifySettings,
        floor: CueFloorSettings | None,
    ) -> None:
        self.model = model
        self.cues = cues
        self.settings = settings
        self.floor = floor

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    @property
    def thresholds_(self) -> np.ndarray:
        return self.model.thresholds_

    def prose(self, texts: Sequence[str]) -> list[str]:
        return [content_text(text, self.settings.content) for text in texts]

    def relevance(self, texts: Sequence[str]) -> list[RelevanceDecision]:
        return [relevance(text, self.settings.relevance) for text in self.prose(texts)]

    def floored(self, texts: Sequence[str], scores: np.ndarray) -> np.ndarray:
        """Which (text, label) pairs the cue floor assigns that ``scores`` alone would not."""
        if self.floor is None or not texts:
            return np.zeros(scores.shape, dtype=bool)
        rule = self.floor
        strong = cue_counts(texts, self.cues) >= rule.min_matches
        return strong & (scores >= rule.veto_below) & (scores < self.thresholds_)

    def scores_and_floor(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The guarded scores, and which of them the cue floor lifted to the threshold."""
        prose = self.prose(texts)
        if not prose:
            empty = np.zeros((0, len(self.classes_)))
            return empty, empty.astype(bool)
        # Off-topic texts score 0 without being read by the model: a long economics paper or
        # a regulation would otherwise have every passage embedded for nothing.
        relevant = [relevance(text, self.settings.relevance).relevant for text in prose]
        scores = np.zeros((len(prose), len(self.classes_)))
        lifted = np.zeros(scores.shape, dtype=bool)
        rows = np.flatnonzero(relevant)
        if rows.size:
            on_topic = [prose[row] for row in rows]
            scores[rows] = np.asarray(self.model.predict_proba(on_topic), dtype=float)
            lifted[rows] = self.floored(on_topic, scores[rows])
            scores[lifted] = np.broadcast_to(self.thresholds_, scores.shape)[lifted]
        return scores, lifted

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.scores_and_floor(texts)[0]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.thresholds_).astype(int)

    def passage_scores(self, passages: Sequence[str]) -> np.ndarray:
        """The model's own scores of single passages (for evidence): no gate, no floor. A
        passage model scores them with what it learned from rationale passages."""
        if not passages:
            return np.zeros((0, len(self.classes_)))
        score = getattr(self.model, "passage_proba", self.model.predict_proba)
        return np.asarray(score(list(passages)), dtype=float)


def guard(
    classifiers: dict,
    cues: dict[str, Sequence[Sequence[str]]],
    settings: ClassifySettings,
    floor: bool = True,
) -> dict[str, GuardedClassifier]:
    """Each group's classifier behind the guard (``cues``: each group's label cues), with the
    group's cue floor when ``floor``."""
    return {
        group: GuardedClassifier(
            model, cues[group], settings, settings.cue_floor[group] if floor else None
        )
        for group, model in classifiers.items()
    }
