"""The passage model: learned from rationale passages, aggregated per document, and a clean
scikit-learn estimator (clone, refit, the applicable estimator checks). Every test reads the
hashing encoder from tests/support, never the real one."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hashing_encoder import HASHING, register_hashing_encoder
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks
from tiny_corpus import FILLER, SENTENCES

from cluster_nlp.classify.encoders import UnknownEncoderError, stored_vectors
from cluster_nlp.classify.encoders import vector_cache_sessions as cache_at
from cluster_nlp.classify.model import EmptyClassError, shared_threshold
from cluster_nlp.classify.passage_model import PassageClassifier, aggregate
from cluster_nlp.registry import load_classifiers, save_version

LABELS = ["startup_support", "education_training", "events_popularization"]
CUES = [["акселератор", "startups"], ["образовательные программы", "training"], ["хакатон"]]


def _filler(rng: random.Random) -> str:
    return " ".join(rng.sample(FILLER, 3))


def make_documents(count: int = 36, seed: int = 3):
    """Documents of paragraphs: one per label it has (a label sentence among filler, the
    sentence its rationale) and one to three filler paragraphs."""
    rng = random.Random(seed)
    texts, Y, rationales = [], [], []
    for number in range(count):
        chosen = [label for label in LABELS if rng.random() < 0.4] or (
            [LABELS[number % 3]] if number % 4 else []
        )
        paragraphs, rationale = [], {}
        for label in chosen:
            sentence = rng.choice(SENTENCES[label])
            paragraphs.append(f"{sentence} {rng.choice(FILLER)}")
            rationale[label] = [sentence]
        paragraphs += [_filler(rng) for _ in range(rng.randint(1, 3))]
        rng.shuffle(paragraphs)
        texts.append("\n\n".join(paragraphs))
        Y.append([int(label in chosen) for label in LABELS])
        rationales.append(rationale)
    return texts, np.array(Y), rationales


@pytest.fixture
def engine():
    return register_hashing_encoder()


@pytest.fixture(scope="module")
def fitted():
    register_hashing_encoder()
    texts, Y, rationales = make_documents()
    model = PassageClassifier(labels=LABELS, cues=CUES, encoder=HASHING, cv=3)
    return model.fit(texts, Y, rationales=rationales)


@pytest.mark.parametrize(
    ("scores", "owners", "expected"),
    [
        # a short document: its one passage is its best and its top-2 mean
        ([2.0], [0], [[2.0, 2.0, 0.0]]),
        # a long document: the best passage counts, the rest only through the top-2 mean
        ([-3.0, 2.0, -4.0, -3.0], [0, 0, 0, 0], [[2.0, -0.5, np.log(4)]]),
        # two documents kept apart; a document without passages scores zeros
        ([1.0, 3.0, -1.0], [0, 2, 2], [[1.0, 1.0, 0.0], [0, 0, 0], [3.0, 1.0, np.log(2)]]),
    ],
)
def test_aggregate(scores, owners, expected):
    found = aggregate(np.array(scores), np.array(owners), len(expected), top_k=2)
    np.testing.assert_allclose(found, expected)


def test_learns_from_rationale_passages_and_leaves_the_rest_of_their_documents_out(fitted):
    rows = fitted.training_rows_
    assert all(row["positive"] > 0 and row["negative"] > 0 for row in rows)
    # the filler paragraphs of documents with the label are neither positive nor negative
    assert all(row["left_out"] > 0 for row in rows)
    assert fitted.oof_scores_.shape == (36, 3) and fitted.cv_f1_.shape == (3,)
    assert np.all((fitted.thresholds_ > 0) & (fitted.thresholds_ < 1))


def test_a_long_document_with_one_strong_passage_is_tagged_like_a_short_one(fitted):
    rng = random.Random(11)
    strong = SENTENCES["startup_support"][0]
    short = strong
    long = "\n\n".join([_filler(rng) for _ in range(30)] + [strong] + [_filler(rng)])
    only_filler = "\n\n".join(_filler(rng) for _ in range(30))
    proba = fitted.predict_proba([short, long, only_filler])
    predicted = fitted.predict([short, long, only_filler])
    assert predicted[0, 0] == 1 and predicted[1, 0] == 1 and predicted[2, 0] == 0
    assert proba[2, 0] < min(proba[0, 0], proba[1, 0])


def test_evidence_is_the_passage_most_like_the_rationales(fitted):
    passages = [FILLER[0], SENTENCES["education_training"][1], FILLER[3]]
    scores = fitted.passage_proba(passages)
    assert scores.shape == (3, 3)
    assert int(np.argmax(scores[:, 1])) == 1


def test_stacked_scores_are_the_fitted_scikit_learn_models_own(fitted):
    # Prediction multiplies the labels' coefficients directly instead of calling each
    # model's decision_function and predict_proba: it must give the models' own numbers.
    texts, _, _ = make_documents(count=6, seed=11)
    passages = fitted._passages_of(texts)
    cue_features = passages.cue_features(fitted.cues, fitted.cue_weight)
    expected = np.column_stack(
        [
            model.decision_function(fitted._features(passages, cue_features, column))
            for column, model in enumerate(fitted.passage_models_)
        ]
    )
    log_odds = fitted._passage_log_odds(passages)
    np.testing.assert_allclose(log_odds, expected, rtol=1e-9, atol=1e-9)
    expected_proba = np.column_stack(
        [
            model.predict_proba(aggregate(log_odds[:, column], passages.owners, 6, fitted.top_k))[
                :, 1
            ]
            for column, model in enumerate(fitted.document_models_)
        ]
    )
    np.testing.assert_allclose(fitted.predict_proba(texts), expected_proba, rtol=1e-9, atol=1e-12)


def test_excerpt_rows_are_labelled_by_the_rationale_passages_they_hold():
    # Three documents of three passages: the first has the label with its rationale in
    # passage 1; the second has the label but no rationale located; the third lacks it.
    owners = np.repeat([0, 1, 2], 3)
    positive = np.zeros(9, dtype=bool)
    positive[1] = True
    Y = np.array([[1], [1], [0]])
    scores = np.arange(9, dtype=float)
    model = PassageClassifier(excerpts_per_document=40, random_state=1)
    features, y, owner = model._document_rows(scores, owners, positive, Y[:, 0])
    assert (y[:3] == Y[:, 0]).all() and (owner[:3] == [0, 1, 2]).all()  # documents first
    excerpts = slice(3, None)
    assert 1 not in owner[excerpts]  # its excerpts' labels are unknown
    assert not y[excerpts][owner[excerpts] == 2].any()  # no label, no positive excerpt
    # With scores 0..8 a run's best score is its last passage and the log of its length is
    # the third feature: the run holds passage 1 exactly when the row is labelled.
    seen = set()
    for row, label in zip(
        features[excerpts][owner[excerpts] == 0], y[excerpts][owner[excerpts] == 0], strict=True
    ):
        last = int(row[0])
        first = last - round(np.exp(row[2])) + 1
        assert label == int(first <= 1 <= last), (first, last)
        seen.add(label)
    assert seen == {0, 1}


def test_a_model_that_learns_from_excerpts_too_still_ranks_documents(engine):
    texts, Y, rationales = make_documents()
    model = PassageClassifier(
        labels=LABELS, cues=CUES, encoder=HASHING, cv=3, excerpts_per_document=2
    ).fit(texts, Y, rationales=rationales)
    assert model.predict(texts).shape == Y.shape
    assert (model.predict(texts) == Y).mean() > 0.8


def test_a_shared_threshold_replaces_each_labels_own_and_nothing_else(fitted):
    texts, Y, rationales = make_documents()
    shared = clone(fitted).set_params(shared_threshold=True).fit(texts, Y, rationales=rationales)
    np.testing.assert_allclose(shared.oof_scores_, fitted.oof_scores_)
    np.testing.assert_allclose(shared.predict_proba(texts), fitted.predict_proba(texts))
    assert shared.thresholds_ == pytest.approx(shared_threshold(Y, fitted.oof_scores_))
    assert len(set(fitted.thresholds_)) > 1  # the labels' own cuts differ


def test_grouped_folds_hold_out_whole_groups(engine):
    """With ``groups`` (the corpus's writers), a group's documents share a fold, so their
    passages are scored only by models that never read that group."""
    texts, Y, rationales = make_documents()
    groups = [f"w{index % 4}" for index in range(len(texts))]
    model = PassageClassifier(labels=LABELS, cues=CUES, encoder=HASHING, cv=3)
    model.fit(texts, Y, rationales=rationales, groups=groups)
    folds = {}
    for group, fold in zip(groups, model.cv_fold_, strict=True):
        folds.setdefault(group, set()).add(int(fold))
    assert all(len(held) == 1 for held in folds.values()), folds
    assert len({fold for held in folds.values() for fold in held}) == 3
    for passage_model in model.passage_models_:  # C was chosen on the same kind of folds
        assert passage_model.cv.n_splits >= 2
    assert (model.predict(texts) == Y).mean() > 0.8


def test_without_groups_every_document_is_its_own_group(fitted):
    texts, Y, rationales = make_documents()
    by_document = clone(fitted).fit(
        texts, Y, rationales=rationales, groups=[f"{i:02d}" for i in range(len(texts))]
    )
    np.testing.assert_array_equal(by_document.cv_fold_, fitted.cv_fold_)
    np.testing.assert_allclose(by_document.oof_scores_, fitted.oof_scores_)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (["w1"] * 36, "at least two groups"),
        (["w1", "w2"] * 5, "groups has 10 entries for 36 documents"),
    ],
)
def test_groups_that_cannot_make_folds_are_refused(engine, groups, message):
    texts, Y, rationales = make_documents()
    with pytest.raises(ValueError, match=message):
        PassageClassifier(encoder=HASHING, cv=3).fit(texts, Y, groups=groups)


def test_clone_keeps_the_encoder_name_and_no_fitted_state(fitted):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert copy.get_params()["encoder"] == HASHING
    assert not [name for name in vars(copy) if name.endswith("_")]


def test_a_refit_leaves_no_attribute_of_the_previous_fit(engine):
    texts, Y, rationales = make_documents()
    model = PassageClassifier(encoder=HASHING, cv=3).fit(texts, Y, rationales=rationales)
    model.stale_ = "left over"  # what a fit that set it conditionally would leave behind
    refit = model.fit(texts[:30], Y[:30, :2])
    fresh = PassageClassifier(encoder=HASHING, cv=3).fit(texts[:30], Y[:30, :2])
    assert sorted(vars(refit)) == sorted(vars(fresh))
    assert refit.classes_.tolist() == [0, 1] and len(refit.passage_models_) == 2
    np.testing.assert_allclose(refit.predict_proba(texts), fresh.predict_proba(texts))


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda Y: Y[:, :1] * 0, EmptyClassError, "0 positive"),
        (lambda Y: Y * 2, ValueError, "0/1"),
        (lambda Y: Y[:5], ValueError, "one row per document"),
    ],
)
def test_bad_targets_are_refused_with_one_line(engine, change, error, message):
    texts, Y, _ = make_documents()
    with pytest.raises(error, match=message):
        PassageClassifier(encoder=HASHING, cv=3).fit(texts, change(Y))


def test_an_unknown_encoder_is_named_in_the_error():
    texts, Y, _ = make_documents()
    with pytest.raises(UnknownEncoderError, match="no-such-encoder"):
        PassageClassifier(encoder="no-such-encoder").fit(texts, Y)


def test_a_second_fit_reads_every_vector_from_the_cache(engine, tmp_path):
    texts, Y, rationales = make_documents()
    sessions = cache_at(tmp_path / "vectors.db")
    with stored_vectors(sessions):
        PassageClassifier(encoder=HASHING, cv=3).fit(texts, Y, rationales=rationales)
        seen = engine.texts_seen
        assert seen > 0
        PassageClassifier(encoder=HASHING, cv=3, Cs=(1.0,)).fit(texts, Y, rationales=rationales)
    assert engine.texts_seen == seen


def test_saved_and_loaded_through_the_registry(fitted, tmp_path):
    folder = save_version(tmp_path, "v1", {"functions": fitted}, {"taxonomy_version": "x"}, {}, "")
    loaded = load_classifiers(folder / "model.skops")["functions"]
    texts, _, _ = make_documents(6, seed=9)
    np.testing.assert_allclose(loaded.predict_proba(texts), fitted.predict_proba(texts))
    assert loaded.get_params() == fitted.get_params()


# scikit-learn's checks feed 2-D float arrays (one single-passage document per row) and 1-D
# or one-column targets; these do not apply to a multi-label model with tuned thresholds.
NOT_A_MULTICLASS_TARGET = (
    "a multi-label model: its target is a 0/1 indicator matrix, one column per label; the "
    "check's one-column target holds other class values (1 and 2, or strings)"
)
EXPECTED_FAILURES = {
    "check_estimators_dtypes": NOT_A_MULTICLASS_TARGET,
    "check_classifier_data_not_an_array": NOT_A_MULTICLASS_TARGET,
    "check_classifiers_classes": NOT_A_MULTICLASS_TARGET,
    "check_fit2d_1feature": NOT_A_MULTICLASS_TARGET,
    "check_classifiers_train": "predict_proba gives one column per label (its probability), "
    "not one per class value, and predictions use tuned thresholds",
    "check_classifier_multioutput": "predict applies each label's tuned threshold, not 0.5, "
    "so it is not predict_proba rounded",
    "check_classifiers_one_label": "a label needs two positive and two negative documents; "
    "fewer is refused with EmptyClassError by design",
}


@parametrize_with_checks(
    [PassageClassifier(cv=3)], expected_failed_checks=lambda _: EXPECTED_FAILURES
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
