"""One label group's classifier, following scikit-learn's estimator API.

For every label of the group: a class-weighted logistic regression on the shared text
features, wrapped in sigmoid calibration, and a decision threshold tuned on out-of-fold
probabilities. The label ids come from the taxonomy at fit time; none is written here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from cluster_nlp.classify.features import text_features

DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


class EmptyClassError(ValueError):
    """A label has too few positive (or negative) training documents to learn from."""


class _Prior:
    """Stands in for a label that a cross-validation fold saw no positives of."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def predict_proba(self, features) -> np.ndarray:
        rows = features.shape[0]
        return np.column_stack([np.full(rows, 1 - self.rate), np.full(rows, self.rate)])


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


class GroupClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier for one taxonomy group.

    ``fit(texts, Y)`` takes documents' texts and a 0/1 matrix with one column per entry of
    ``labels``. Fitted attributes: ``classes_``, ``features_``, ``estimators_``,
    ``thresholds_``, ``oof_scores_`` (out-of-fold probabilities used to tune thresholds),
    ``cv_fold_`` (each document's fold) and ``cv_f1_`` (micro-F1 per fold).
    """

    def __init__(
        self,
        labels: Sequence[str] = (),
        C: float = 4.0,
        min_df: int = 2,
        cv: int = 4,
        tune_thresholds: bool = True,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.C = C
        self.min_df = min_df
        self.cv = cv
        self.tune_thresholds = tune_thresholds
        self.random_state = random_state

    def _require_learnable(self, Y: np.ndarray) -> None:
        for column, label in enumerate(self.labels):
            positives = int(Y[:, column].sum())
            negatives = len(Y) - positives
            if min(positives, negatives) < 2:
                side = "positive" if positives < 2 else "negative"
                raise EmptyClassError(
                    f"label {label!r} has {min(positives, negatives)} {side} training "
                    "documents; it needs at least 2 to be learned"
                )

    def _fit_labels(self, features, Y: np.ndarray) -> list:
        """One calibrated model per label; a label a fold cannot learn falls back to its rate."""
        estimators = []
        for column in range(len(self.labels)):
            positives = int(Y[:, column].sum())
            negatives = len(Y) - positives
            if min(positives, negatives) < 2:
                estimators.append(_Prior(positives / max(len(Y), 1)))
                continue
            base = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)
            calibrated = CalibratedClassifierCV(
                base, method="sigmoid", cv=min(3, positives, negatives)
            )
            estimators.append(calibrated.fit(features, Y[:, column]))
        return estimators

    @staticmethod
    def _scores(estimators: list, features) -> np.ndarray:
        return np.column_stack([model.predict_proba(features)[:, 1] for model in estimators])

    def fit(self, texts: Sequence[str], Y) -> GroupClassifier:
        texts = np.asarray(list(texts), dtype=object)
        Y = np.asarray(Y, dtype=int)
        if Y.ndim != 2 or Y.shape != (len(texts), len(self.labels)):
            raise ValueError(f"Y must have shape ({len(texts)}, {len(self.labels)}), got {Y.shape}")
        self._require_learnable(Y)
        self.classes_ = np.asarray(list(self.labels), dtype=object)
        self.features_ = text_features(min_df=self.min_df).fit(texts)
        self.estimators_ = self._fit_labels(self.features_.transform(texts), Y)
        self.oof_scores_ = self._out_of_fold(texts, Y)
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
        return self

    def _out_of_fold(self, texts: np.ndarray, Y: np.ndarray) -> np.ndarray:
        scores = np.zeros(Y.shape, dtype=float)
        self.cv_fold_ = np.zeros(len(texts), dtype=int)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        for fold, (train, test) in enumerate(folds.split(texts)):
            self.cv_fold_[test] = fold
            features = text_features(min_df=self.min_df).fit(texts[train])
            estimators = self._fit_labels(features.transform(texts[train]), Y[train])
            scores[test] = self._scores(estimators, features.transform(texts[test]))
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        return self._scores(self.estimators_, self.features_.transform(list(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.thresholds_).astype(int)

    def top_terms(self, text: str, label: str, count: int = 5) -> list[str]:
        """The word features that push ``text`` towards ``label`` the most."""
        check_is_fitted(self, "estimators_")
        model = self.estimators_[list(self.classes_).index(label)]
        if isinstance(model, _Prior):
            return []
        coefficients = np.mean(
            [fold.estimator.coef_[0] for fold in model.calibrated_classifiers_], axis=0
        )
        vector = self.features_.transform([text]).toarray()[0]
        weights = vector * coefficients
        names = self.features_.get_feature_names_out()
        ranked = [i for i in np.argsort(weights)[::-1] if weights[i] > 0]
        words = [
            names[i].removeprefix("lemmas__") for i in ranked if names[i].startswith("lemmas__")
        ]
        return words[:count]
