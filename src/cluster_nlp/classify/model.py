"""One label group's classifier, following scikit-learn's estimator API.

For every label of the group: a class-weighted logistic regression over the lemma features
and the label cues' counts (``features``). Everything that is tuned is tuned on out-of-fold
scores of the training documents, never on held-out data: the regularisation strength (by
mean average precision over the labels), a sigmoid calibration per label, and a decision
threshold per label (by F1 on the calibrated scores).

Two views of a document (``view``):

- ``"document"``: the whole text is one example;
- ``"passages"``: multi-instance learning. Every paragraph is an example that inherits its
  document's labels, weighted by one over the document's paragraph count, and a document
  scores the mean of its ``top_k`` best paragraphs' scores for a label.

The label ids come from the taxonomy at fit time; none is written here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from cluster_nlp.classify.features import (
    cue_counts,
    fit_word_features,
    pack_vocabulary,
    passages_of,
    unpack_vocabulary,
)

DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
VIEWS = ("document", "passages")


class EmptyClassError(ValueError):
    """A label has too few positive (or negative) training documents to learn from."""


def best_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    """The threshold with the best F1 on (out-of-fold) scores; ties go to the one nearest 0.5."""
    if truth.sum() == 0:
        return DEFAULT_THRESHOLD
    best, best_f1 = DEFAULT_THRESHOLD, -1.0
    for threshold in sorted(THRESHOLD_GRID, key=lambda t: abs(t - DEFAULT_THRESHOLD)):
        predicted = scores >= threshold
        true_positive = float(np.sum(predicted & (truth == 1)))
        f1 = 2 * true_positive / (predicted.sum() + truth.sum())
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return best


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))


class _Fold:
    """One training set's features, built once and fitted at each C of the grid."""

    def __init__(self, model: GroupClassifier, train: Sequence[str], Y: np.ndarray) -> None:
        units, owners = model._units(train)
        self.vectorizer = fit_word_features(units, model.min_df, model.max_df)
        self.X = model._matrix(self.vectorizer, units)
        counts = np.bincount(owners, minlength=len(train))
        self.weights = 1.0 / counts[owners]
        self.Y = Y[owners]

    def fit(self, C: float) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients and intercepts, one row per label; a label this set cannot learn
        keeps zero weights and its prior log-odds."""
        coef = np.zeros((self.Y.shape[1], self.X.shape[1]), dtype=np.float32)
        intercept = np.zeros(self.Y.shape[1])
        for column in range(self.Y.shape[1]):
            y = self.Y[:, column]
            if y.min() == y.max():
                rate = (y.mean() * len(y) + 0.5) / (len(y) + 1.0)
                intercept[column] = np.log(rate / (1.0 - rate))
                continue
            regression = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
            regression.fit(self.X, y, sample_weight=self.weights)
            coef[column], intercept[column] = regression.coef_[0], regression.intercept_[0]
        return coef, intercept


class GroupClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier for one taxonomy group.

    ``fit(texts, Y)`` takes documents' texts and a 0/1 matrix with one column per entry of
    ``labels``; ``cues`` holds each label's cue phrases (empty: no cue features). ``C`` fixes
    the regularisation; left at None, it is chosen from ``Cs`` by cross-validation. Fitted
    attributes: ``classes_``, ``C_`` (the chosen regularisation), ``features_`` (the word
    vectorizer), ``coef_`` and ``intercept_`` (one row per label, over the word features
    then the cue counts), ``calibration_`` (slope and intercept per label),
    ``thresholds_``, ``oof_scores_`` (calibrated out-of-fold probabilities), ``cv_fold_``
    (each document's fold) and ``cv_f1_`` (micro-F1 per fold).
    """

    def __init__(
        self,
        labels: Sequence[str] = (),
        cues: Sequence[Sequence[str]] = (),
        C: float | None = None,
        Cs: Sequence[float] = (4.0, 16.0, 64.0),
        cue_weight: float = 0.3,
        min_df: int = 2,
        max_df: float = 0.5,
        view: str = "document",
        top_k: int = 2,
        cv: int = 5,
        tune_thresholds: bool = True,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.cues = cues
        self.C = C
        self.Cs = Cs
        self.cue_weight = cue_weight
        self.min_df = min_df
        self.max_df = max_df
        self.view = view
        self.top_k = top_k
        self.cv = cv
        self.tune_thresholds = tune_thresholds
        self.random_state = random_state

    def _check_params(self, Y: np.ndarray, rows: int) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {self.view!r}")
        if self.cues and len(self.cues) != len(self.labels):
            raise ValueError(f"cues lists {len(self.cues)} labels, labels are {len(self.labels)}")
        if Y.ndim != 2 or Y.shape != (rows, len(self.labels)):
            raise ValueError(f"Y must have shape ({rows}, {len(self.labels)}), got {Y.shape}")
        for column, label in enumerate(self.labels):
            positives = int(Y[:, column].sum())
            negatives = rows - positives
            if min(positives, negatives) < 2:
                side = "positive" if positives < 2 else "negative"
                raise EmptyClassError(
                    f"label {label!r} has {min(positives, negatives)} {side} training "
                    "documents; it needs at least 2 to be learned"
                )

    def _units(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The examples the regressions see, and the index of the text each comes from."""
        if self.view == "document":
            return list(texts), np.arange(len(texts))
        units, owners = [], []
        for index, text in enumerate(texts):
            passages = passages_of(text)
            units.extend(passages)
            owners.extend([index] * len(passages))
        return units, np.asarray(owners, dtype=int)

    def _matrix(self, vectorizer, units: Sequence[str]) -> sparse.csr_matrix:
        words = vectorizer.transform(units)
        if not self.cues:
            return words.tocsr()
        counts = np.log1p(cue_counts(units, self.cues)) * self.cue_weight
        return sparse.hstack([words, sparse.csr_matrix(counts)]).tocsr()

    def _raw_scores(self, vectorizer, weights: tuple, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated log-odds per text and label (the top-k passage mean in that view)."""
        coef, intercept = weights
        units, owners = self._units(texts)
        unit_scores = self._matrix(vectorizer, units) @ coef.T.astype(np.float64) + intercept
        if self.view == "document":
            return unit_scores
        scores = np.empty((len(texts), len(intercept)))
        for index in range(len(texts)):
            ranked = np.sort(unit_scores[owners == index], axis=0)[::-1]
            scores[index] = ranked[: self.top_k].mean(axis=0)
        return scores

    def fit(self, texts: Sequence[str], Y) -> GroupClassifier:
        texts = list(texts)
        Y = np.asarray(Y, dtype=int)
        self._check_params(Y, len(texts))
        self.classes_ = np.asarray(list(self.labels), dtype=object)
        raw = self._out_of_fold(texts, Y)
        self.calibration_ = np.array(
            [self._calibrate(raw[:, column], Y[:, column]) for column in range(Y.shape[1])]
        )
        self.oof_scores_ = self._calibrated(raw)
        self.thresholds_ = np.array(
            [
                best_threshold(Y[:, column], self.oof_scores_[:, column])
                if self.tune_thresholds
                else DEFAULT_THRESHOLD
                for column in range(Y.shape[1])
            ]
        )
        predicted = self.oof_scores_ >= self.thresholds_
        self.cv_f1_ = np.array(
            [
                f1_score(
                    Y[self.cv_fold_ == fold],
                    predicted[self.cv_fold_ == fold],
                    average="micro",
                    zero_division=0,
                )
                for fold in range(self.cv)
            ]
        )
        final = _Fold(self, texts, Y)
        self.features_ = final.vectorizer
        self.coef_, self.intercept_ = final.fit(self.C_)
        return self

    def _out_of_fold(self, texts: list[str], Y: np.ndarray) -> np.ndarray:
        """Out-of-fold log-odds at ``C``, or at the C of ``Cs`` with the best mean average
        precision over the labels (``C_``; ties go to the stronger regularisation)."""
        grid = (self.C,) if self.C is not None else tuple(self.Cs)
        raw = {C: np.zeros(Y.shape) for C in grid}
        self.cv_fold_ = np.zeros(len(texts), dtype=int)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        for fold, (train, test) in enumerate(folds.split(texts)):
            self.cv_fold_[test] = fold
            prepared = _Fold(self, [texts[i] for i in train], Y[train])
            for C in grid:
                raw[C][test] = self._raw_scores(
                    prepared.vectorizer, prepared.fit(C), [texts[i] for i in test]
                )
        precision = {
            C: np.mean([average_precision_score(Y[:, j], raw[C][:, j]) for j in range(Y.shape[1])])
            for C in grid
        }
        self.C_ = float(max(grid, key=lambda C: (round(precision[C], 6), -C)))
        return raw[self.C_]

    @staticmethod
    def _calibrate(raw: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
        """Sigmoid (Platt) scaling of out-of-fold log-odds: slope and intercept."""
        platt = LogisticRegression(C=1.0).fit(raw.reshape(-1, 1), truth)
        return float(platt.coef_[0, 0]), float(platt.intercept_[0])

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        return _sigmoid(raw * self.calibration_[:, 0] + self.calibration_[:, 1])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        check_is_fitted(self, "coef_")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        weights = (self.coef_, self.intercept_)
        return self._calibrated(self._raw_scores(self.features_, weights, texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.thresholds_).astype(int)

    def top_terms(self, text: str, label: str, count: int = 5) -> list[str]:
        """The words and word pairs of ``text`` that push it towards ``label`` the most."""
        check_is_fitted(self, "coef_")
        vector = self.features_.transform([text]).toarray()[0]
        weights = vector * self.coef_[list(self.classes_).index(label), : len(vector)]
        names = self.features_.get_feature_names_out()
        return [str(names[i]) for i in np.argsort(weights)[::-1][:count] if weights[i] > 0]

    # The word view is written as two arrays (see ``pack_vocabulary``), not as a vectorizer
    # whose vocabulary dict would make the model file a hundred times larger.
    def __getstate__(self) -> dict:
        state = super().__getstate__()
        if "features_" in state:
            terms, idf = pack_vocabulary(state.pop("features_"))
            state["vocabulary_terms_"], state["vocabulary_idf_"] = terms, idf
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if "vocabulary_terms_" in state:
            state["features_"] = unpack_vocabulary(
                state.pop("vocabulary_terms_"),
                state.pop("vocabulary_idf_"),
                state["min_df"],
                state["max_df"],
            )
        super().__setstate__(state)
