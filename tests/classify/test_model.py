"""Group classifiers: the estimator contract, threshold tuning, training on a tiny corpus."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from cluster_nlp.classify.data import label_matrix, load_labeled_texts
from cluster_nlp.classify.features import lemmatize
from cluster_nlp.classify.model import EmptyClassError, GroupClassifier, best_threshold
from cluster_nlp.classify.train import (
    evaluate_classifiers,
    fit_classifiers,
    keyword_classifiers,
    split,
)


@pytest.mark.parametrize(
    ("truth", "scores", "expected"),
    [
        ([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1], 0.5),  # any threshold in (0.2, 0.8] is perfect
        ([1, 1, 0, 0], [0.35, 0.3, 0.2, 0.1], 0.3),  # a low threshold recovers both positives
        ([1, 0, 0, 0], [0.9, 0.85, 0.86, 0.1], 0.875),  # a high one drops the false positives
        ([0, 0, 0], [0.9, 0.2, 0.1], 0.5),  # no positives: the default stands
    ],
)
def test_best_threshold(truth, scores, expected):
    assert best_threshold(np.array(truth), np.array(scores)) == pytest.approx(expected)


def test_estimator_contract_init_stores_params_fit_returns_self(tiny_corpus, tiny_taxonomy):
    model = GroupClassifier(labels=("a", "b"), C=2.0, cv=3)
    assert model.get_params()["C"] == 2.0
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(model, "thresholds_")
    examples = load_labeled_texts(tiny_corpus, tiny_taxonomy)
    labels = tuple(tiny_taxonomy.group_ids("functions"))
    fitted = GroupClassifier(labels=labels, cv=3)
    assert (
        fitted.fit([e.text for e in examples], label_matrix(examples, "functions", tiny_taxonomy))
        is fitted
    )
    assert list(fitted.classes_) == list(labels)
    assert fitted.thresholds_.shape == (len(labels),)
    assert len(fitted.cv_f1_) == 3


def test_empty_class_is_a_one_line_error():
    texts = ["один текст", "другой текст", "третий текст", "четвёртый текст"]
    with pytest.raises(EmptyClassError, match="label 'b' has 0 positive training documents"):
        GroupClassifier(labels=("a", "b"), cv=2).fit(texts, [[1, 0], [0, 0], [1, 0], [0, 0]])


def test_wrong_label_matrix_shape_is_refused():
    with pytest.raises(ValueError, match="Y must have shape"):
        GroupClassifier(labels=("a",)).fit(["x", "y"], [[1, 0], [0, 1]])


def test_trained_model_learns_held_out_documents_with_a_baseline_beside_it(
    tiny_corpus, tiny_taxonomy
):
    examples = load_labeled_texts(tiny_corpus, tiny_taxonomy)
    train, test = split(examples, "train"), split(examples, "test")
    model = evaluate_classifiers(
        fit_classifiers(train, tiny_taxonomy, {"cv": 3}), test, tiny_taxonomy
    )
    baseline = evaluate_classifiers(keyword_classifiers(tiny_taxonomy), test, tiny_taxonomy)
    for group in ("functions", "institutional_forms"):
        assert model[group]["micro"]["f1"] >= 0.8
        assert baseline[group]["per_label"].keys() == model[group]["per_label"].keys()
        assert set(model[group]["by_language"]) == {"ru", "en"}
        assert 0.0 <= model[group]["ece"] <= 1.0


def test_top_terms_are_words_of_the_document(tiny_corpus, tiny_taxonomy):
    examples = load_labeled_texts(tiny_corpus, tiny_taxonomy)
    model = fit_classifiers(split(examples, "train"), tiny_taxonomy, {"cv": 3})["functions"]
    text = "Акселератор отобрал двенадцать молодых команд и помог им найти первых заказчиков."
    terms = model.top_terms(text, "startup_support")
    lemmas = set(lemmatize(text).split())
    assert terms and all(set(term.split()) <= lemmas for term in terms)
