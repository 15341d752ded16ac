"""One label group's classifier, following scikit-learn's estimator API.

Up to three scores per document and label, brought to one scale on out-of-fold scores and
summed with weights (``weights_``):

- words: a class-weighted logistic regression over the lemma features, the character
  n-grams of the same words (``char_ngrams``; None: none) and the label cues' counts
  (``features``);
- passages: a class-weighted logistic regression over the e5 vectors of paragraphs
  (``semantic``), a document scoring the mean of its ``top_k`` best paragraphs;
- prototypes: the cosine between paragraphs and the label's taxonomy descriptions, a
  document scoring the mean of its ``prototype_top_k`` best paragraphs.

Everything that is tuned is tuned on out-of-fold scores of the training documents, never on
held-out data: the word regularisation strength and the weights (each by mean average
precision over the labels), a sigmoid calibration per label, and a decision threshold per
label (by F1 on the calibrated scores). With ``passage_weights`` and ``prototype_weights``
both ``(0.0,)`` the model is the word model alone and never loads the embedding engine.

Two views of a document for the words (``view``):

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

from cluster_nlp.classify.embeddings import Embedder
from cluster_nlp.classify.encoders import encoder
from cluster_nlp.classify.features import (
    char_features,
    cue_counts,
    fit_word_features,
    pack_vocabulary,
    passages_of,
    unpack_vocabulary,
    word_features,
)
from cluster_nlp.classify.semantic import (
    embed_passages,
    embed_prototypes,
    prototype_similarity,
    top_k_mean,
)

E5_ENCODER = "e5-small"  # the encoder this model's paragraph and prototype scores read
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
VIEWS = ("document", "passages")
COMPONENTS = ("words", "passages", "prototypes")
# What a model written before the embedding scores existed is: the word model alone.
WORDS_ONLY = {
    "prototypes": (),
    "passage_weights": (0.0,),
    "prototype_weights": (0.0,),
    "passage_C": 64.0,
    "prototype_top_k": 3,
    "embedder": None,
}
# What a model written before the character view existed is: words without it.
WITHOUT_CHARS = {"char_ngrams": None}


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


def shared_threshold(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """One threshold for every label (columns of ``truth`` and ``scores``): the one with the
    best micro-F1 over all of them. Each label's own threshold is fitted to its few positive
    documents; measured on the training writers, each held out in turn (thresholds from the
    others' out-of-fold scores), one shared threshold tagged the held-out writer better in
    every group (training.yaml, ``shared_threshold``)."""
    return np.full(truth.shape[1], best_threshold(truth.ravel(), scores.ravel()))


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))


def fit_regressions(
    X, Y: np.ndarray, weights: np.ndarray, C: float
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and intercepts of one class-weighted regression per column of ``Y``; a
    label these examples cannot learn keeps zero weights and its prior log-odds."""
    coef = np.zeros((Y.shape[1], X.shape[1]), dtype=np.float32)
    intercept = np.zeros(Y.shape[1])
    for column in range(Y.shape[1]):
        y = Y[:, column]
        if y.min() == y.max():
            rate = (y.mean() * len(y) + 0.5) / (len(y) + 1.0)
            intercept[column] = np.log(rate / (1.0 - rate))
            continue
        regression = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
        regression.fit(X, y, sample_weight=weights)
        coef[column], intercept[column] = regression.coef_[0], regression.intercept_[0]
    return coef, intercept


def _embeds(weights) -> bool:
    """Whether weights of (words, passages, prototypes) need paragraph vectors."""
    return weights[1] > 0 or weights[2] > 0


def mean_average_precision(Y: np.ndarray, scores: np.ndarray) -> float:
    return float(
        np.mean([average_precision_score(Y[:, j], scores[:, j]) for j in range(Y.shape[1])])
    )


class _Fold:
    """One training set's features, built once and fitted at each C of the grid."""

    def __init__(self, model: GroupClassifier, train: Sequence[str], Y: np.ndarray) -> None:
        units, owners = model._units(train)
        self.vectorizers = (
            fit_word_features(units, model.min_df, model.max_df),
            char_features(model.char_ngrams, model.min_df, model.max_df).fit(units)
            if model.char_ngrams is not None
            else None,
        )
        self.X = model._matrix(self.vectorizers, units)
        counts = np.bincount(owners, minlength=len(train))
        self.weights = 1.0 / counts[owners]
        self.Y = Y[owners]

    def fit(self, C: float) -> tuple[np.ndarray, np.ndarray]:
        return fit_regressions(self.X, self.Y, self.weights, C)


class _Embedded:
    """Texts' paragraph vectors, with each paragraph's text index and per-text weight."""

    def __init__(self, embedder: Embedder, texts: Sequence[str]) -> None:
        self.vectors, self.owners = embed_passages(embedder, texts)
        self.documents = len(texts)
        counts = np.bincount(self.owners, minlength=len(texts))
        self.weights = 1.0 / counts[self.owners]

    def rows(self, documents: np.ndarray) -> np.ndarray:
        return np.isin(self.owners, documents)


class GroupClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier for one taxonomy group.

    ``fit(texts, Y)`` takes documents' texts and a 0/1 matrix with one column per entry of
    ``labels``; ``cues`` holds each label's cue phrases (empty: no cue features) and
    ``prototypes`` each label's descriptions (empty: no prototype score). ``char_ngrams`` is
    the (min, max) length of the character n-grams beside the words (None: words alone).
    ``C`` fixes the word regularisation; left at None, it is chosen from ``Cs`` by
    cross-validation; the paragraph model's is ``passage_C``. The passage and prototype
    weights are chosen from ``passage_weights`` × ``prototype_weights`` (pairs that leave the
    words a positive weight). ``embedder`` is where paragraph and prototype vectors come from
    (None: the process's e5 engine); it is never saved with the model.

    Fitted attributes: ``classes_``, ``C_``, ``features_`` (the word vectorizer),
    ``char_features_`` (the character vectorizer, or None), ``coef_`` and ``intercept_`` (one
    row per label, over the word features, then the character n-grams, then the cue counts),
    ``passage_coef_`` and ``passage_intercept_`` (over paragraph vectors; only with a passage
    weight), ``prototype_vectors_`` and ``prototype_labels_`` (the embedded descriptions;
    only when a prototype weight was a candidate),
    ``weights_`` (one per entry of ``COMPONENTS``), ``center_`` and ``scale_`` (per
    component and label, from out-of-fold scores), ``calibration_`` (slope and intercept per
    label), ``thresholds_``, ``oof_scores_`` (calibrated out-of-fold probabilities),
    ``cv_fold_`` (each document's fold) and ``cv_f1_`` (micro-F1 per fold).
    """

    def __init__(
        self,
        labels: Sequence[str] = (),
        cues: Sequence[Sequence[str]] = (),
        prototypes: Sequence[Sequence[str]] = (),
        char_ngrams: tuple[int, int] | None = None,
        C: float | None = None,
        Cs: Sequence[float] = (4.0, 16.0, 64.0),
        cue_weight: float = 0.3,
        min_df: int = 2,
        max_df: float = 0.5,
        view: str = "document",
        top_k: int = 2,
        passage_weights: Sequence[float] = (0.0, 0.15, 0.3),
        prototype_weights: Sequence[float] = (0.0, 0.15, 0.3, 0.45),
        passage_C: float = 64.0,
        prototype_top_k: int = 3,
        embedder: Embedder | None = None,
        cv: int = 5,
        tune_thresholds: bool = True,
        shared_threshold: bool = False,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.cues = cues
        self.prototypes = prototypes
        self.char_ngrams = char_ngrams
        self.C = C
        self.Cs = Cs
        self.cue_weight = cue_weight
        self.min_df = min_df
        self.max_df = max_df
        self.view = view
        self.top_k = top_k
        self.passage_weights = passage_weights
        self.prototype_weights = prototype_weights
        self.passage_C = passage_C
        self.prototype_top_k = prototype_top_k
        self.embedder = embedder
        self.cv = cv
        self.tune_thresholds = tune_thresholds
        self.shared_threshold = shared_threshold
        self.random_state = random_state

    def _check_params(self, Y: np.ndarray, rows: int) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {self.view!r}")
        if self.char_ngrams is not None and not (
            isinstance(self.char_ngrams, tuple | list)
            and len(self.char_ngrams) == 2
            and 1 <= self.char_ngrams[0] <= self.char_ngrams[1]
        ):
            raise ValueError(
                f"char_ngrams must be None or (min, max) with 1 <= min <= max, "
                f"not {self.char_ngrams!r}"
            )
        if self.cues and len(self.cues) != len(self.labels):
            raise ValueError(f"cues lists {len(self.cues)} labels, labels are {len(self.labels)}")
        if self.prototypes and (
            len(self.prototypes) != len(self.labels) or not all(self.prototypes)
        ):
            raise ValueError(
                f"prototypes must describe each of the {len(self.labels)} labels; "
                f"{sum(map(bool, self.prototypes))} labels have descriptions"
            )
        if not self._weight_grid():
            raise ValueError("passage and prototype weights must leave the words a weight > 0")
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

    def _weight_grid(self) -> list[tuple[float, float, float]]:
        """Candidate weights of (words, passages, prototypes), plainest first; without
        prototypes, no prototype score."""
        prototype_weights = self.prototype_weights if self.prototypes else (0.0,)
        pairs = sorted(
            {(float(p), float(q)) for p in self.passage_weights for q in prototype_weights},
            key=lambda pair: (sum(pair), pair),
        )
        return [
            (round(1.0 - p - q, 6), p, q) for p, q in pairs if p >= 0 and q >= 0 and p + q < 1.0
        ]

    def _embedder(self) -> Embedder:
        """The given embedder, or e5 by name (behind the vector store while one is active:
        ``encoders.stored_vectors``)."""
        return self.embedder if self.embedder is not None else encoder(E5_ENCODER)

    def _units(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The examples the word regressions see, and the index of the text each comes from."""
        if self.view == "document":
            return list(texts), np.arange(len(texts))
        units, owners = [], []
        for index, text in enumerate(texts):
            passages = passages_of(text)
            units.extend(passages)
            owners.extend([index] * len(passages))
        return units, np.asarray(owners, dtype=int)

    def _matrix(self, vectorizers: tuple, units: Sequence[str]) -> sparse.csr_matrix:
        """The word features, the character n-grams (if the model has them), the cue counts."""
        blocks = [view.transform(units) for view in vectorizers if view is not None]
        if self.cues:
            counts = np.log1p(cue_counts(units, self.cues)) * self.cue_weight
            blocks.append(sparse.csr_matrix(counts))
        return sparse.hstack(blocks).tocsr()

    def _raw_scores(self, vectorizers: tuple, weights: tuple, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated word log-odds per text and label (the top-k passage mean in that view)."""
        coef, intercept = weights
        units, owners = self._units(texts)
        unit_scores = self._matrix(vectorizers, units) @ coef.T.astype(np.float64) + intercept
        if self.view == "document":
            return unit_scores
        return top_k_mean(unit_scores, owners, len(texts), self.top_k)

    def _passage_scores(self, embedded: _Embedded, weights: tuple) -> np.ndarray:
        coef, intercept = weights
        unit_scores = embedded.vectors @ coef.T.astype(np.float64) + intercept
        return top_k_mean(unit_scores, embedded.owners, embedded.documents, self.top_k)

    def _prototype_scores(self, embedded: _Embedded) -> np.ndarray:
        similarity = prototype_similarity(
            embedded.vectors, self.prototype_vectors_, self.prototype_labels_, len(self.classes_)
        )
        return top_k_mean(similarity, embedded.owners, embedded.documents, self.prototype_top_k)

    def fit(self, texts: Sequence[str], Y) -> GroupClassifier:
        texts = list(texts)
        Y = np.asarray(Y, dtype=int)
        self._check_params(Y, len(texts))
        self.classes_ = np.asarray(list(self.labels), dtype=object)
        grid = self._weight_grid()
        components, embedded = self._components_out_of_fold(texts, Y, grid)
        self._fit_scales(components)
        stacked = np.stack([components.get(name, np.zeros(Y.shape)) for name in COMPONENTS])
        fused = {weights: self._fuse(stacked, weights) for weights in grid}
        precision = {weights: mean_average_precision(Y, fused[weights]) for weights in grid}
        # Ties (to three decimals) go to the plainest candidate, the first in the grid.
        chosen = max(grid, key=lambda weights: round(precision[weights], 3))
        self.weights_ = np.array(chosen)
        raw = fused[chosen]
        self.calibration_ = np.array(
            [self._calibrate(raw[:, column], Y[:, column]) for column in range(Y.shape[1])]
        )
        self.oof_scores_ = self._calibrated(raw)
        if self.tune_thresholds and self.shared_threshold:
            self.thresholds_ = shared_threshold(Y, self.oof_scores_)
        else:
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
        self.features_, self.char_features_ = final.vectorizers
        self.coef_, self.intercept_ = final.fit(self.C_)
        if embedded is not None and self.weights_[1] > 0:
            self.passage_coef_, self.passage_intercept_ = fit_regressions(
                embedded.vectors, Y[embedded.owners], embedded.weights, self.passage_C
            )
        return self

    def _components_out_of_fold(
        self, texts: list[str], Y: np.ndarray, grid: list[tuple[float, float, float]]
    ) -> tuple[dict[str, np.ndarray], _Embedded | None]:
        """Out-of-fold scores of each component that some candidate weights use, and the
        paragraph vectors if any component needed them."""
        components = {"words": self._out_of_fold(texts, Y)}
        if not any(_embeds(weights) for weights in grid):
            return components, None
        embedded = _Embedded(self._embedder(), texts)
        if any(weights[1] > 0 for weights in grid):
            components["passages"] = self._passages_out_of_fold(embedded, Y)
        if any(weights[2] > 0 for weights in grid):
            self.prototype_vectors_, self.prototype_labels_ = embed_prototypes(
                self._embedder(), self.prototypes
            )
            components["prototypes"] = self._prototype_scores(embedded)
        return components, embedded

    def _fit_scales(self, components: dict[str, np.ndarray]) -> None:
        """``center_`` and ``scale_``: the embedding scores are standardised and put on the
        word scores' scale; the word scores stay as they are, so a model of words alone
        scores as it always did."""
        labels = components["words"].shape[1]
        self.center_ = np.zeros((len(COMPONENTS), labels))
        self.scale_ = np.ones((len(COMPONENTS), labels))
        words_spread = np.maximum(components["words"].std(axis=0), 1e-6)
        for index, name in enumerate(COMPONENTS[1:], start=1):
            if name in components:
                self.center_[index] = components[name].mean(axis=0)
                spread = np.maximum(components[name].std(axis=0), 1e-6)
                self.scale_[index] = spread / words_spread

    def _fuse(self, stacked: np.ndarray, weights) -> np.ndarray:
        """The weighted sum of the component scores, each shifted by ``center_`` and divided
        by ``scale_`` (components of weight 0 are skipped, so they need not be computed)."""
        fused = np.zeros(stacked.shape[1:])
        for index, weight in enumerate(weights):
            if weight > 0:
                fused += weight * (stacked[index] - self.center_[index]) / self.scale_[index]
        return fused

    def _out_of_fold(self, texts: list[str], Y: np.ndarray) -> np.ndarray:
        """Out-of-fold word log-odds at ``C``, or at the C of ``Cs`` with the best mean
        average precision over the labels (``C_``; ties go to the stronger regularisation)."""
        grid = (self.C,) if self.C is not None else tuple(self.Cs)
        raw = {C: np.zeros(Y.shape) for C in grid}
        self.cv_fold_ = np.zeros(len(texts), dtype=int)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        for fold, (train, test) in enumerate(folds.split(texts)):
            self.cv_fold_[test] = fold
            prepared = _Fold(self, [texts[i] for i in train], Y[train])
            for C in grid:
                raw[C][test] = self._raw_scores(
                    prepared.vectorizers, prepared.fit(C), [texts[i] for i in test]
                )
        precision = {C: mean_average_precision(Y, raw[C]) for C in grid}
        self.C_ = float(max(grid, key=lambda C: (round(precision[C], 6), -C)))
        return raw[self.C_]

    def _passages_out_of_fold(self, embedded: _Embedded, Y: np.ndarray) -> np.ndarray:
        """Out-of-fold paragraph-model scores, on the folds of the word model."""
        raw = np.zeros(Y.shape)
        for fold in range(self.cv):
            test = np.flatnonzero(self.cv_fold_ == fold)
            train_rows = embedded.rows(np.flatnonzero(self.cv_fold_ != fold))
            coef, intercept = fit_regressions(
                embedded.vectors[train_rows],
                Y[embedded.owners[train_rows]],
                embedded.weights[train_rows],
                self.passage_C,
            )
            test_rows = embedded.rows(test)
            unit_scores = embedded.vectors[test_rows] @ coef.T.astype(np.float64) + intercept
            # ``test`` is sorted, so a paragraph's position among the test documents is found
            positions = np.searchsorted(test, embedded.owners[test_rows])
            raw[test] = top_k_mean(unit_scores, positions, len(test), self.top_k)
        return raw

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
        stacked = np.zeros((len(COMPONENTS), len(texts), len(self.classes_)))
        stacked[0] = self._raw_scores(
            (self.features_, self.char_features_), (self.coef_, self.intercept_), texts
        )
        if _embeds(self.weights_):
            embedded = _Embedded(self._embedder(), texts)
            if self.weights_[1] > 0:
                weights = (self.passage_coef_, self.passage_intercept_)
                stacked[1] = self._passage_scores(embedded, weights)
            if self.weights_[2] > 0:
                stacked[2] = self._prototype_scores(embedded)
        return self._calibrated(self._fuse(stacked, self.weights_))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.thresholds_).astype(int)

    def top_terms(self, text: str, label: str, count: int = 5) -> list[str]:
        """The words and word pairs of ``text`` that push it towards ``label`` the most."""
        check_is_fitted(self, "coef_")
        row = self.features_.transform([text])
        coef = self.coef_[list(self.classes_).index(label)]
        weights = dict(
            zip(row.indices.tolist(), (row.data * coef[row.indices]).tolist(), strict=True)
        )
        # The text's own terms name its columns: listing the whole vocabulary's names
        # (get_feature_names_out) took most of a re-tagging's time.
        names = {
            index: term
            for term in self.features_.build_analyzer()(text)
            if (index := self.features_.vocabulary_.get(term)) is not None
        }
        ranked = sorted(weights.items(), key=lambda item: (item[1], item[0]), reverse=True)
        return [names[index] for index, weight in ranked[:count] if weight > 0]

    # The word and character views are written as two arrays each (see ``pack_vocabulary``),
    # not as vectorizers whose vocabulary dicts would make the model file a hundred times
    # larger; a model without the character view writes none. The embedder is a live engine,
    # re-created where the model is loaded, so it is never written.
    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # on Python 3.11 it is the live __dict__
        state["embedder"] = None
        if "features_" in state:
            terms, idf = pack_vocabulary(state.pop("features_"))
            state["vocabulary_terms_"], state["vocabulary_idf_"] = terms, idf
        chars = state.pop("char_features_", None)
        if chars is not None:
            state["char_terms_"], state["char_idf_"] = pack_vocabulary(chars)
        return state

    def __setstate__(self, state: dict) -> None:
        state = {**WORDS_ONLY, **WITHOUT_CHARS, **state}
        if "vocabulary_terms_" in state:
            state["features_"] = unpack_vocabulary(
                state.pop("vocabulary_terms_"),
                state.pop("vocabulary_idf_"),
                word_features(state["min_df"], state["max_df"]),
            )
            state["char_features_"] = (
                unpack_vocabulary(
                    state.pop("char_terms_"),
                    state.pop("char_idf_"),
                    char_features(state["char_ngrams"], state["min_df"], state["max_df"]),
                )
                if "char_terms_" in state
                else None
            )
            if "weights_" not in state:  # a word model saved before the embedding scores
                labels = len(state["classes_"])
                state["weights_"] = np.array([1.0, 0.0, 0.0])
                state["center_"] = np.zeros((len(COMPONENTS), labels))
                state["scale_"] = np.ones((len(COMPONENTS), labels))
        super().__setstate__(state)
