"""One label group's classifier learned from rationale passages, built from scikit-learn parts.

Examples are passages (the paragraphs of ``features.passage_spans``), as sentence vectors from
a named encoder (``encoders``) plus, per label, the log-count of its cue phrases in the
passage. For label L:

- positives are the passages that hold one of L's rationales (``rationales``);
- negatives are the passages of documents without L;
- the other passages of a document with L are left out (``context_weight`` 0): annotators
  mark the sentences that justify a label, not every passage that touches on it, so calling
  the rest negatives would teach the model that on-topic wording counts against the label,
  and calling them positives is the multi-instance noise that rationales replace;
- a document with L whose rationales are missing (or not found in its text) contributes all
  its passages as positives of total weight ``unlocated_weight`` (multi-instance, the
  document counting as one example spread over its passages).

Per label, a ``LogisticRegressionCV`` (balanced class weights, regularisation chosen from
``Cs`` by average precision on folds grouped by document, or by the ``groups`` given to
``fit``) scores passages. A document's score for L comes from its passages' scores: the best
passage's log-odds, the mean of the ``top_k`` best and the log of the number of passages (a
60-page strategy has more chances of one high passage than a 150-word news item). A logistic
regression fitted by log-loss on these aggregates (Platt scaling, so its probabilities are
calibrated) turns them into the document's probability; it is fitted on out-of-fold passage
scores, the folds grouped by document (``GroupKFold``), so no document's own passages score
it. With ``groups`` (the corpus's writing batches), the folds hold out whole groups instead:
C, the calibration and the thresholds are then chosen on scores of text by writers the
passage model never read, as real documents are. Its decision threshold is tuned by
``TunedThresholdClassifierCV`` for ``threshold_scoring`` on those documents.

Input: a sequence of documents, each a text (split into passages and encoded) or a float
array of passage vectors (rows; one row: a one-passage document). A 2-D float array is one
single-passage document per row, so scikit-learn's estimator checks apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted

from cluster_nlp.classify.encoders import encoder
from cluster_nlp.classify.features import cue_counts, passage_spans
from cluster_nlp.classify.model import EmptyClassError, shared_threshold
from cluster_nlp.classify.rationales import passage_targets

NEGATIVE, RATIONALE, CONTEXT, UNLOCATED = range(4)  # passage kinds of ``passage_targets``


class _Passages:
    """Documents as passage rows: vectors, the document each row is from, its text (None for
    documents given as vectors) and each document's passage spans."""

    def __init__(self, documents: Sequence, encoder_name: str) -> None:
        self.documents = len(documents)
        texts, blocks, owners, self.spans = [], [], [], []
        for index, document in enumerate(documents):
            if isinstance(document, str):
                spans = passage_spans(document)
                self.spans.append([(start, end) for start, end, _ in spans])
                texts.extend(passage for _, _, passage in spans)
                owners.extend([index] * len(spans))
                continue
            rows = np.atleast_2d(np.asarray(document, dtype=np.float64))
            if rows.ndim != 2 or rows.shape[0] == 0:
                raise ValueError(f"document {index} is neither a text nor rows of vectors")
            blocks.append((index, rows))
            self.spans.append(None)
        self.owners = np.asarray(owners, dtype=int)
        self.texts: list[str | None] = list(texts)
        vectors = encoder(encoder_name).passages(texts) if texts else None
        parts = [vectors] if vectors is not None else []
        for index, rows in blocks:
            parts.append(rows)
            self.owners = np.concatenate([self.owners, np.full(len(rows), index)])
            self.texts.extend([None] * len(rows))
        widths = {part.shape[1] for part in parts}
        if len(widths) > 1:
            raise ValueError(f"passage vectors of different widths: {sorted(widths)}")
        self.vectors = np.vstack(parts).astype(np.float64)
        order = np.argsort(self.owners, kind="stable")  # rows grouped by document, in order
        self.vectors, self.owners = self.vectors[order], self.owners[order]
        self.texts = [self.texts[i] for i in order]

    def cue_features(self, cues: Sequence[Sequence[str]], weight: float) -> np.ndarray:
        """Per passage and label, ``weight`` times the log-count of the label's cues."""
        counts = np.zeros((len(self.texts), len(cues)))
        rows = [i for i, text in enumerate(self.texts) if text is not None]
        if cues and rows and weight:
            counts[rows] = cue_counts([self.texts[i] for i in rows], cues)
        return weight * np.log1p(counts)


def aggregate(scores: np.ndarray, owners: np.ndarray, documents: int, top_k: int) -> np.ndarray:
    """Per document: its best passage score, the mean of its ``top_k`` best, and the log of
    its passage count (``scores``: one label's passage log-odds)."""
    features = np.zeros((documents, 3))
    for index in range(documents):
        own = np.sort(scores[owners == index])[::-1]
        if own.size:
            features[index] = (own[0], own[:top_k].mean(), np.log(own.size))
    return features


def _scaled_logistic_proba(model, features: np.ndarray) -> np.ndarray:
    """``model.predict_proba(features)[:, 1]`` of a fitted ``StandardScaler`` and
    ``LogisticRegression`` pipeline (``_document_model``), computed directly: the pipeline's
    input checks cost a hundred times the arithmetic on three features."""
    scaler, regression = model[0], model[-1]
    log_odds = ((features - scaler.mean_) / scaler.scale_) @ regression.coef_[0]
    return expit(log_odds + regression.intercept_[0])


def _scorable_splits(y: np.ndarray, groups: np.ndarray, folds: int) -> list:
    """``GroupKFold`` splits of ``groups`` whose training part holds both classes and whose
    held-out part holds a positive."""
    splitter = GroupKFold(n_splits=min(folds, np.unique(groups).size))
    return [
        (train, test)
        for train, test in splitter.split(y, y, groups)
        if np.unique(y[train]).size == 2 and y[test].any()
    ]


def documents_of(X) -> list:
    """``X`` as a list of documents: texts, or float rows (a 2-D float array, checked as
    scikit-learn checks arrays: no sparse, complex or non-finite input)."""
    if sparse.issparse(X):
        raise TypeError("sparse input is not supported: give texts or dense passage vectors")
    if isinstance(X, str):
        raise ValueError("X must be a sequence of documents, not a single text")
    if isinstance(X, list | tuple):
        return list(X)
    array = np.asarray(X)
    if array.dtype.kind in "OUS":
        return list(array)
    return list(check_array(array, ensure_2d=True, dtype=np.float64))


class PassageClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier for one taxonomy group, learned from rationale passages.

    ``fit(X, Y, rationales=None, groups=None)``: ``X`` documents (texts or passage-vector
    rows), ``Y`` a 0/1 matrix with one column per entry of ``labels`` (empty: the columns'
    indices), ``rationales`` one mapping per document of label -> rationale texts (None:
    unknown), ``groups`` one value per document that folds keep together (None: each document
    its own).
    ``cues`` holds each label's cue phrases (empty: no cue feature), ``encoder`` names the
    sentence encoder (``encoders.ENCODERS``).

    Fitted attributes: ``classes_``, ``n_features_in_`` (the vector width),
    ``passage_models_`` (a fitted ``LogisticRegressionCV`` per label), ``C_`` (each one's
    chosen C), ``document_models_`` (a fitted scaler + logistic regression per label, over
    ``aggregate``'s features), ``thresholds_`` (each tuned by ``TunedThresholdClassifierCV``;
    with ``shared_threshold``, one for all labels: ``model.shared_threshold``),
    ``oof_scores_`` (documents' out-of-fold probabilities), ``cv_fold_`` (each document's
    fold) and ``cv_f1_`` (micro-F1 per fold at the tuned thresholds), ``training_rows_``
    (per label, how many passages of each kind it learned from).
    """

    def __init__(
        self,
        labels: Sequence[str] = (),
        cues: Sequence[Sequence[str]] = (),
        encoder: str = "e5-small",
        Cs: Sequence[float] = (0.25, 1.0, 4.0, 16.0),
        cv: int = 5,
        top_k: int = 2,
        cue_weight: float = 1.0,
        context_weight: float = 0.0,
        unlocated_weight: float = 1.0,
        min_overlap_share: float = 0.5,
        threshold_scoring: str = "f1",
        shared_threshold: bool = False,
        excerpts_per_document: int = 0,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.cues = cues
        self.encoder = encoder
        self.Cs = Cs
        self.cv = cv
        self.top_k = top_k
        self.cue_weight = cue_weight
        self.context_weight = context_weight
        self.unlocated_weight = unlocated_weight
        self.min_overlap_share = min_overlap_share
        self.threshold_scoring = threshold_scoring
        self.shared_threshold = shared_threshold
        self.excerpts_per_document = excerpts_per_document
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # texts are its ordinary input
        tags.target_tags.multi_output = True  # one 0/1 column per label
        tags.target_tags.single_output = False
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.multi_label = True
        return tags

    # --- fitting ---------------------------------------------------------------------------

    def _reset(self) -> None:
        """Forget everything a previous ``fit`` learned, so no attribute outlives a refit."""
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)

    def _targets(self, X: Sequence, Y: np.ndarray, rationales, passages: _Passages):
        """Per passage and label: target, weight (0: left out)."""
        target = np.zeros((len(passages.owners), Y.shape[1]), dtype=int)
        weight = np.zeros(target.shape)
        names = [str(name) for name in self.classes_]
        for index, document in enumerate(X):
            rows = np.flatnonzero(passages.owners == index)
            if passages.spans[index] is None:
                kinds = np.where(Y[index] == 1, UNLOCATED, NEGATIVE)[None, :].repeat(len(rows), 0)
                goals = np.broadcast_to(Y[index], kinds.shape)
            else:
                goals, kinds = passage_targets(
                    document,
                    passages.spans[index],
                    names,
                    Y[index] == 1,
                    rationales[index] if rationales is not None else None,
                    self.min_overlap_share,
                )
            goals = np.where(kinds == UNLOCATED, 1, goals)
            per_kind = np.array(
                [1.0, 1.0, self.context_weight, self.unlocated_weight / max(len(rows), 1)]
            )
            target[rows], weight[rows] = goals, per_kind[kinds]
        return target, weight

    def _check(self, X: Sequence, Y) -> np.ndarray:
        if Y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        if len(X) < 2:
            raise ValueError(f"n_samples={len(X)}: at least 2 documents are needed to learn")
        Y = np.asarray(Y)
        if Y.ndim == 1:
            kind = type_of_target(Y)
            if kind != "binary":
                raise ValueError(
                    f"Only binary classification is supported per label: the 1-D target is "
                    f"{kind}; give a 0/1 matrix with one column per label"
                )
            # one label, its positive class the larger of the two values
            Y = (Y == np.unique(Y)[-1]).astype(int).reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[0] != len(X):
            raise ValueError(f"Y must have one row per document ({len(X)}), got {Y.shape}")
        if self.labels and Y.shape[1] != len(self.labels):
            raise ValueError(f"Y has {Y.shape[1]} columns, labels are {len(self.labels)}")
        if self.cues and len(self.cues) != Y.shape[1]:
            raise ValueError(f"cues lists {len(self.cues)} labels, Y has {Y.shape[1]} columns")
        values = np.unique(Y)
        if not np.isin(values, (0, 1)).all():
            raise ValueError(f"Y must be 0/1 per label, found values {values[:5].tolist()}")
        return Y.astype(int)

    def _require_examples(self, Y: np.ndarray, target, weight, passages: _Passages) -> None:
        for column, label in enumerate(self.classes_):
            used = weight[:, column] > 0
            for value, side in ((1, "positive"), (0, "negative")):
                owners = np.unique(passages.owners[used & (target[:, column] == value)])
                documents = owners.size if value == 1 else int((Y[:, column] == 0).sum())
                if documents < 2:
                    raise EmptyClassError(
                        f"label {label!r} has {documents} {side} training documents; "
                        "it needs at least 2 to be learned"
                    )

    def _features(self, passages: _Passages, cue_features: np.ndarray, column: int):
        """Passage vectors, and the label's cue feature when the model has cues."""
        if not cue_features.shape[1]:
            return passages.vectors
        return np.hstack([passages.vectors, cue_features[:, [column]]])

    def fit(
        self,
        X: Sequence,
        Y,
        rationales: Sequence[Mapping | None] | None = None,
        groups: Sequence | None = None,
    ):
        self._reset()
        X = documents_of(X)
        Y = self._check(X, Y)
        if rationales is not None and len(rationales) != len(X):
            raise ValueError(f"rationales has {len(rationales)} entries for {len(X)} documents")
        if groups is not None and len(groups) != len(X):
            raise ValueError(f"groups has {len(groups)} entries for {len(X)} documents")
        # each document's group as an integer (its own index when no groups are given)
        group_of = (
            np.unique(np.asarray(groups, dtype=str), return_inverse=True)[1]
            if groups is not None
            else np.arange(len(X))
        )
        self.classes_ = (
            np.asarray(list(self.labels), dtype=object) if self.labels else np.arange(Y.shape[1])
        )
        passages = _Passages(X, self.encoder)
        self.n_features_in_ = passages.vectors.shape[1]
        target, weight = self._targets(X, Y, rationales, passages)
        self._require_examples(Y, target, weight, passages)
        cue_features = passages.cue_features(self.cues, self.cue_weight)
        folds = min(self.cv, int(group_of.max()) + 1)
        if folds < 2:
            raise ValueError("groups holds one value: folds need at least two groups")
        self.cv_fold_ = self._document_folds(group_of, folds)
        self.passage_models_, self.C_, self.training_rows_ = [], [], []
        self.document_models_, self.thresholds_ = [], []
        self.oof_scores_ = np.zeros(Y.shape)
        for column in range(Y.shape[1]):
            features = self._features(passages, cue_features, column)
            used = weight[:, column] > 0
            self.training_rows_.append(
                {
                    "positive": int((used & (target[:, column] == 1)).sum()),
                    "negative": int((used & (target[:, column] == 0)).sum()),
                    "left_out": int((~used).sum()),
                }
            )
            model = self._passage_model(
                folds, target[used, column], group_of[passages.owners[used]], passages.owners[used]
            )
            model.fit(features[used], target[used, column], sample_weight=weight[used, column])
            # the splits were index arrays of this data; the model keeps what made them
            model.cv = GroupKFold(n_splits=len(model.cv))
            self.passage_models_.append(model)
            self.C_.append(float(model.C_))
            oof = self._out_of_fold(features, target[:, column], weight[:, column], passages)
            positive = used & (target[:, column] == 1)
            features_of, y_of, owner_of = self._document_rows(
                oof, passages.owners, positive, Y[:, column]
            )
            splits = self._row_splits(Y[:, column], owner_of)
            tuned = self._tuned(splits).fit(features_of, y_of)
            self.document_models_.append(tuned.estimator_)
            self.thresholds_.append(float(tuned.best_threshold_))
            self.oof_scores_[:, column] = self._oof_document_scores(
                features_of, y_of, splits, len(X)
            )
        self.C_ = np.array(self.C_)
        self.thresholds_ = (
            shared_threshold(Y, self.oof_scores_)
            if self.shared_threshold
            else np.array(self.thresholds_)
        )
        predicted = self.oof_scores_ >= self.thresholds_
        self.cv_f1_ = np.array(
            [
                f1_score(Y[self.cv_fold_ == f], predicted[self.cv_fold_ == f], average="micro")
                for f in range(folds)
            ]
        )
        return self

    def _document_folds(self, group_of: np.ndarray, folds: int) -> np.ndarray:
        """Each document's fold; a group's documents share one."""
        fold = np.zeros(len(group_of), dtype=int)
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        for number, (_, test) in enumerate(splitter.split(group_of, groups=group_of)):
            fold[test] = number
        return fold

    def _passage_model(self, folds: int, y: np.ndarray, groups: np.ndarray, owners: np.ndarray):
        """C chosen by average precision on folds of whole groups (precomputed splits: a
        document's passages never score a model trained on its other passages). A fold that
        cannot be scored (no positive held out, or none left to learn from, as when one
        writer alone wrote a rare label) is dropped; with fewer than two left, the folds are
        of documents."""
        splits = _scorable_splits(y, groups, folds)
        if len(splits) < 2:
            splits = _scorable_splits(y, owners, folds)
        return LogisticRegressionCV(
            Cs=list(self.Cs),
            l1_ratios=(0.0,),
            cv=splits,
            scoring="average_precision",
            class_weight="balanced",
            max_iter=2000,
            use_legacy_attributes=False,
        )

    def _out_of_fold(self, features, target, weight, passages: _Passages) -> np.ndarray:
        """Every passage's log-odds from a model that never saw its document."""
        scores = np.zeros(len(target))
        held_out_fold = self.cv_fold_[passages.owners]
        C = self.C_[-1]
        for fold in np.unique(self.cv_fold_):
            train = (held_out_fold != fold) & (weight > 0)
            test = held_out_fold == fold
            if np.unique(target[train]).size < 2:  # a fold without positives: the prior
                scores[test] = 0.0
                continue
            model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
            model.fit(features[train], target[train], sample_weight=weight[train])
            scores[test] = model.decision_function(features[test])
        return scores

    def _document_model(self):
        # Unweighted log-loss: the probabilities stay calibrated (Platt scaling).
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0))

    def _document_cv(self, y: np.ndarray) -> StratifiedKFold:
        smaller = int(min(y.sum(), len(y) - y.sum()))
        return StratifiedKFold(
            n_splits=max(2, min(self.cv, smaller)), shuffle=True, random_state=self.random_state
        )

    def _row_splits(self, y: np.ndarray, owner: np.ndarray) -> list[tuple[np.ndarray, ...]]:
        """Folds of documents (stratified by ``y``, the documents' labels) as rows: a
        document's excerpts (``owner``: each row's document) stay in its fold."""
        return [
            (np.flatnonzero(np.isin(owner, train)), np.flatnonzero(np.isin(owner, test)))
            for train, test in self._document_cv(y).split(np.zeros(len(y)), y)
        ]

    def _tuned(self, splits: list) -> TunedThresholdClassifierCV:
        return TunedThresholdClassifierCV(
            self._document_model(),
            scoring=self.threshold_scoring,
            cv=splits,
            random_state=self.random_state,
        )

    def _document_rows(
        self, scores: np.ndarray, owners: np.ndarray, positive: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What one label's document model learns from: features, labels and the document of
        each row. Each document is a row (``y``: the documents' labels); with
        ``excerpts_per_document`` so are excerpts of it: runs of one to three consecutive
        passages (drawn alike for every label), labelled as the excerpt view labels them:
        with the label when the document has it and the run holds one of its rationale
        passages (``positive``). Real pages are often that short, and a document model that
        saw only whole documents meets their one-passage scores and counts nowhere else."""
        documents = len(y)
        rng = np.random.default_rng(self.random_state)
        rows, labels, owner = [], [], []
        for index in range(documents):
            own = np.flatnonzero(owners == index)
            if own.size < 2:  # a one-passage document is its own excerpt
                continue
            # a document with the label but no rationale located: its excerpts are unknown
            unknown = y[index] and not positive[own].any()
            for _ in range(self.excerpts_per_document):
                length = int(rng.integers(1, min(3, own.size) + 1))
                start = int(rng.integers(0, own.size - length + 1))
                run = own[start : start + length]
                if unknown:
                    continue
                rows.append(aggregate(scores[run], np.zeros(length, int), 1, self.top_k)[0])
                labels.append(int(y[index] and positive[run].any()))
                owner.append(index)
        return (
            np.vstack([aggregate(scores, owners, documents, self.top_k), *rows]),
            np.concatenate([y, labels]).astype(int),
            np.concatenate([np.arange(documents), owner]).astype(int),
        )

    def _oof_document_scores(
        self, features: np.ndarray, y: np.ndarray, splits: list, documents: int
    ) -> np.ndarray:
        """Each document's probability from a document model fitted on the rows of the other
        folds' documents (their excerpts included)."""
        scores = np.zeros(documents)
        for train, test in splits:
            test = test[test < documents]  # the documents themselves, not their excerpts
            model = self._document_model().fit(features[train], y[train])
            scores[test] = model.predict_proba(features[test])[:, 1]
        return scores

    # --- prediction ------------------------------------------------------------------------

    def _passages_of(self, X: Sequence) -> _Passages:
        check_is_fitted(self, "document_models_")
        passages = _Passages(documents_of(X), self.encoder)
        if passages.vectors.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {passages.vectors.shape[1]} features, but {type(self).__name__} "
                f"is expecting {self.n_features_in_} features as input"
            )
        return passages

    def _passage_log_odds(self, passages: _Passages) -> np.ndarray:
        """Per passage and label, the passage model's log-odds: the labels' linear models
        stacked into one product (one ``decision_function`` per label spent most of a
        re-tagging's time checking its input)."""
        cue_features = passages.cue_features(self.cues, self.cue_weight)
        weights = np.column_stack([model.coef_[0] for model in self.passage_models_])
        bias = np.array([model.intercept_[0] for model in self.passage_models_])
        width = passages.vectors.shape[1]
        log_odds = passages.vectors @ weights[:width] + bias
        if cue_features.shape[1]:  # each label's own cue column (see ``_features``)
            log_odds += cue_features * weights[width]
        return log_odds

    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Per document and label, the calibrated probability."""
        X = documents_of(X)
        if not X:
            check_is_fitted(self, "document_models_")
            return np.zeros((0, len(self.classes_)))
        passages = self._passages_of(X)
        log_odds = self._passage_log_odds(passages)
        return np.column_stack(
            [
                _scaled_logistic_proba(
                    model, aggregate(log_odds[:, column], passages.owners, len(X), self.top_k)
                )
                for column, model in enumerate(self.document_models_)
            ]
        )

    def predict(self, X: Sequence) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    def passage_proba(self, passages: Sequence[str]) -> np.ndarray:
        """Per passage and label, the passage model's probability: what evidence is ranked
        by (the passages most like the rationales it learned from)."""
        passages = list(passages)
        if not passages:
            check_is_fitted(self, "document_models_")
            return np.zeros((0, len(self.classes_)))
        rows = self._passages_of(passages)
        # a passage may itself split into paragraphs: it scores its best one
        log_odds = self._passage_log_odds(rows)
        best = np.full((len(passages), len(self.classes_)), -np.inf)
        np.maximum.at(best, rows.owners, log_odds)
        return 1.0 / (1.0 + np.exp(-np.clip(best, -30.0, 30.0)))
