"""Group classifiers: features, the estimator contract, tuning, training on a tiny corpus."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from cluster_nlp.classify.data import label_matrix, load_labeled_texts
from cluster_nlp.classify.features import cue_counts, lemmatize, passages_of
from cluster_nlp.classify.model import (
    COMPONENTS,
    WORDS_ONLY,
    EmptyClassError,
    GroupClassifier,
    best_threshold,
    shared_threshold,
)
from cluster_nlp.classify.semantic import group_prototypes
from cluster_nlp.classify.train import (
    evaluate_classifiers,
    fit_classifiers,
    keyword_classifiers,
    split,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # inflected Russian words meet at their lemma
        ("Кластеры объединяют стартапы.", "кластер объединять стартап"),
        # a name inside a sentence is dropped; the sentence's first word is kept
        ("Резиденты работают в Новосибирске.", "резидент работать в"),
        ("Кластер в Halden растёт. Новые члены вступили.", "кластер в расти новый член вступить"),
        # acronyms are terms, not names; numbers never become words
        ("АНО и AI-команды создали 12 продуктов.", "ано и ai-команда создать продукт"),
        # a line break starts a new sentence (headings, list items)
        ("Итоги\nИнновационный центр", "итог инновационный центр"),
        ("Start-ups joined the programmes", "start-up join the programm"),
    ],
)
def test_lemmatize_keeps_how_a_text_talks_not_whom_it_names(text, expected):
    assert lemmatize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Первый абзац достаточно длинный, чтобы стоять отдельно.", 1),
        ("Заголовок\n\nАбзац под заголовком, достаточно длинный для passage.", 1),
        (
            "Абзац один: достаточно длинный для отдельного passage.\n\n\n\n"
            "Абзац два: тоже достаточно длинный для отдельного passage.",
            2,
        ),
        ("Абзац, достаточно длинный, чтобы стоять отдельно.\n\nХвост", 2),
        ("", 1),
    ],
)
def test_passages_are_paragraphs_with_headings_joined_to_the_next(text, expected):
    passages = passages_of(text)
    assert len(passages) == expected
    assert all(word in " ".join(passages) for word in text.split())


def test_cue_counts_match_stems_per_label():
    cues = (("технопарк", "science park"), ("консорциум",), ())
    texts = ["Резиденты технопарков и Science Park; консорциум.", "ничего"]
    np.testing.assert_array_equal(cue_counts(texts, cues), [[2, 1, 0], [0, 0, 0]])


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


@pytest.mark.parametrize(
    ("truth", "scores", "expected"),
    [
        # each label alone would take its own cut (0.5 and 0.3); together one cut serves both
        ([[1, 1], [0, 1], [0, 0]], [[0.9, 0.35], [0.2, 0.3], [0.1, 0.1]], 0.3),
        # a label with no positives takes the cut the others' scores choose, not the default
        ([[1, 0], [1, 0], [0, 0]], [[0.4, 0.95], [0.35, 0.2], [0.1, 0.1]], 0.35),
        ([[0, 0], [0, 0]], [[0.9, 0.2], [0.1, 0.3]], 0.5),  # no positives at all: the default
    ],
)
def test_shared_threshold_is_one_cut_for_every_label(truth, scores, expected):
    thresholds = shared_threshold(np.array(truth), np.array(scores))
    assert thresholds.shape == (2,)
    assert thresholds == pytest.approx([expected, expected])


WORDS = {"passage_weights": (0.0,), "prototype_weights": (0.0,)}


class RefusingEmbedder:
    """For models that must never ask for a vector."""

    def passages(self, texts):
        raise AssertionError("the word model asked for embeddings")

    queries = passages


def test_estimator_contract_init_stores_params_fit_returns_self(
    shared_corpus, tiny_taxonomy, fake_embedder
):
    model = GroupClassifier(labels=("a", "b"), Cs=(1.0, 2.0), cv=3)
    assert model.get_params()["Cs"] == (1.0, 2.0)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(model, "thresholds_")
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    labels = tuple(tiny_taxonomy.group_ids("functions"))
    fitted = GroupClassifier(labels=labels, Cs=(0.5, 8.0), cv=3, embedder=fake_embedder)
    Y = label_matrix(examples, "functions", tiny_taxonomy)
    assert fitted.fit([e.text for e in examples], Y) is fitted
    assert list(fitted.classes_) == list(labels)
    assert fitted.C_ in (0.5, 8.0)
    assert fitted.thresholds_.shape == (len(labels),)
    assert fitted.oof_scores_.shape == Y.shape
    assert ((fitted.oof_scores_ >= 0) & (fitted.oof_scores_ <= 1)).all()
    assert len(fitted.cv_f1_) == 3
    assert fitted.weights_.shape == (len(COMPONENTS),)
    assert fitted.weights_[2] == 0  # no prototypes given, no prototype score
    assert GroupClassifier(labels=labels, C=3.0, cv=3, **WORDS).fit(
        [e.text for e in examples], Y
    ).C_ == pytest.approx(3.0)


def test_a_shared_threshold_is_the_best_cut_over_every_label_out_of_fold(
    shared_corpus, tiny_taxonomy
):
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    labels = tuple(tiny_taxonomy.group_ids("functions"))
    Y = label_matrix(examples, "functions", tiny_taxonomy)
    texts = [e.text for e in examples]
    own = GroupClassifier(labels=labels, C=3.0, cv=3, **WORDS).fit(texts, Y)
    shared = clone(own).set_params(shared_threshold=True).fit(texts, Y)
    np.testing.assert_allclose(shared.oof_scores_, own.oof_scores_)  # only the cut differs
    assert len(set(own.thresholds_)) > 1
    assert shared.thresholds_ == pytest.approx(shared_threshold(Y, own.oof_scores_))


@pytest.mark.parametrize(
    ("params", "Y", "message"),
    [
        ({"labels": ("a", "b")}, [[1, 0], [0, 0], [1, 0], [0, 0]], "label 'b' has 0 positive"),
        ({"labels": ("a",)}, [[1, 0], [0, 1], [1, 0], [0, 1]], "Y must have shape"),
        ({"labels": ("a",), "view": "sentences"}, [[1], [0], [1], [0]], "view must be one of"),
        ({"labels": ("a",), "char_ngrams": (5, 3)}, [[1], [0], [1], [0]], "char_ngrams must be"),
        ({"labels": ("a",), "char_ngrams": 4}, [[1], [0], [1], [0]], "char_ngrams must be"),
        ({"labels": ("a",), "cues": (("x",), ("y",))}, [[1], [0], [1], [0]], "cues lists 2"),
        (
            {"labels": ("a", "b"), "prototypes": (("x",), ())},
            [[1, 0], [0, 1], [1, 0], [0, 1]],
            "prototypes must describe each of the 2 labels; 1 labels",
        ),
        (
            {"labels": ("a",), "prototypes": (("x",),), "passage_weights": (0.5,)}
            | {"prototype_weights": (0.5, 0.6)},
            [[1], [0], [1], [0]],
            "must leave the words a weight",
        ),
    ],
)
def test_bad_training_input_is_a_one_line_error(params, Y, message):
    texts = ["один текст", "другой текст", "третий текст", "четвёртый текст"]
    with pytest.raises(ValueError, match=message) as error:
        GroupClassifier(cv=2, **params).fit(texts, Y)
    assert "\n" not in str(error.value)
    if "positive" in message:
        assert error.type is EmptyClassError


@pytest.mark.parametrize("view", ["document", "passages"])
def test_trained_model_learns_held_out_documents_with_a_baseline_beside_it(
    shared_corpus, tiny_taxonomy, tiny_params, view
):
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    train, test = split(examples, "train"), split(examples, "test")
    classifiers = fit_classifiers(train, tiny_taxonomy, {**tiny_params, "view": view})
    model = evaluate_classifiers(classifiers, test, tiny_taxonomy)
    baseline = evaluate_classifiers(keyword_classifiers(tiny_taxonomy), test, tiny_taxonomy)
    for group in ("functions", "institutional_forms"):
        assert model[group]["micro"]["f1"] >= 0.8
        assert baseline[group]["per_label"].keys() == model[group]["per_label"].keys()
        assert set(model[group]["by_language"]) == {"ru", "en"}
        assert 0.0 <= model[group]["ece"] <= 1.0


def test_cue_features_carry_labels_the_words_never_showed(tiny_taxonomy):
    """A cue the training texts never contain still counts, through its label's cue feature."""
    texts = [f"Документ {n}: акселератор помог командам." for n in range(6)] + [
        f"Документ {n}: отчёт о погоде." for n in range(6)
    ]
    Y = np.array([[1]] * 6 + [[0]] * 6)
    cues = (("акселератор", "стартап"),)
    model = GroupClassifier(labels=("startup_support",), cues=cues, C=10.0, cv=3, **WORDS)
    model.fit(texts, Y)
    unseen = model.predict_proba(["Стартапы стартапам рассказали о стартапах."])[0, 0]
    plain = model.predict_proba(["Команды рассказали о погоде."])[0, 0]
    assert unseen > plain


def test_prototype_score_carries_a_label_in_words_no_training_document_used(fake_embedder):
    """A text that shares no word with the training documents but matches one of the label's
    descriptions gets the label; the word model alone cannot tell it from an unrelated one."""
    positives = ["наставники помогли молодым командам", "акселератор стартапов отобрал команды"]
    texts = [f"Документ {n}: {positives[n % 2]}." for n in range(8)] + [
        f"Документ {n}: отчёт о погоде и урожае." for n in range(8)
    ]
    Y = np.array([[1]] * 8 + [[0]] * 8)
    prototypes = (("акселератор стартапов", "инкубатор"),)
    described = "Инкубатор объявил набор."
    unrelated = "Библиотека объявила набор."
    scores = {}
    for weight in (0.0, 0.45):
        model = GroupClassifier(
            labels=("startup_support",),
            prototypes=prototypes,
            passage_weights=(0.0,),
            prototype_weights=(weight,),
            C=10.0,
            cv=4,
            embedder=fake_embedder,
        ).fit(texts, Y)
        assert model.weights_.tolist() == [1.0 - weight, 0.0, weight]
        scores[weight] = model.predict_proba([described, unrelated])[:, 0]
    assert scores[0.0][0] == pytest.approx(scores[0.0][1], abs=0.05)
    assert scores[0.45][0] > scores[0.45][1] + 0.2


def test_fused_model_learns_held_out_documents_and_picks_weights_from_its_grid(
    shared_corpus, tiny_taxonomy, tiny_params, fake_embedder
):
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    train, test = split(examples, "train"), split(examples, "test")
    labels = tiny_taxonomy.group_ids("functions")
    model = GroupClassifier(
        labels=labels,
        prototypes=group_prototypes(tiny_taxonomy, "functions"),
        passage_weights=(0.0, 0.3),
        prototype_weights=(0.0, 0.3),
        cv=3,
        embedder=fake_embedder,
    ).fit([e.text for e in train], label_matrix(train, "functions", tiny_taxonomy))
    grid = {(1.0, 0.0, 0.0), (0.7, 0.3, 0.0), (0.7, 0.0, 0.3), (0.4, 0.3, 0.3)}
    assert tuple(model.weights_) in grid
    assert model.center_.shape == model.scale_.shape == (len(COMPONENTS), len(labels))
    if model.weights_[1] > 0:
        assert model.passage_coef_.shape == (len(labels), fake_embedder.dimension)
    seen = fake_embedder.texts_seen
    predicted = model.predict([e.text for e in test])
    assert fake_embedder.texts_seen > seen or not model.weights_[1:].any()
    truth = label_matrix(test, "functions", tiny_taxonomy)
    assert (predicted == truth).mean() >= 0.85


def test_word_model_never_asks_for_embeddings(shared_corpus, tiny_taxonomy):
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    model = GroupClassifier(
        labels=tiny_taxonomy.group_ids("functions"),
        prototypes=group_prototypes(tiny_taxonomy, "functions"),
        cv=3,
        embedder=RefusingEmbedder(),
        **WORDS,
    ).fit([e.text for e in examples], label_matrix(examples, "functions", tiny_taxonomy))
    assert model.predict_proba(["Акселератор помог командам."]).shape == (1, 3)


def test_a_word_model_saved_before_embedding_scores_loads_as_it_was(shared_corpus, tiny_taxonomy):
    examples = load_labeled_texts(shared_corpus, tiny_taxonomy)
    texts = [e.text for e in examples]
    model = GroupClassifier(labels=tiny_taxonomy.group_ids("functions"), cv=3, **WORDS)
    model.fit(texts, label_matrix(examples, "functions", tiny_taxonomy))
    old_state = {
        name: value
        for name, value in model.__getstate__().items()
        if name not in WORDS_ONLY and name not in ("weights_", "center_", "scale_", "char_ngrams")
    }
    loaded = GroupClassifier.__new__(GroupClassifier)
    loaded.__setstate__(old_state)
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded.get_params()["passage_weights"] == (0.0,)
    assert loaded.get_params()["char_ngrams"] is None
    assert loaded.char_features_ is None


def test_char_view_carries_a_label_to_a_form_no_training_document_used():
    """Trained on "innovation", the char view scores "innovative" as the label's; the word
    view, whose lemmas differ, cannot tell it from an unrelated word."""
    positives = ["The innovation centre helped teams.", "Innovation grants went to firms."]
    negatives = ["The weather report was sunny.", "Harvest figures went to farmers."]
    texts = [positives[n % 2] for n in range(6)] + [negatives[n % 2] for n in range(6)]
    Y = np.array([[1]] * 6 + [[0]] * 6)
    probe = ["Innovative ideas.", "Colourful ideas."]
    scores = {}
    for char_ngrams in (None, (3, 5)):
        model = GroupClassifier(labels=("innovation",), char_ngrams=char_ngrams, C=10.0, cv=3)
        model.set_params(**WORDS).fit(texts, Y)
        words = len(model.features_.vocabulary_)
        chars = len(model.char_features_.vocabulary_) if char_ngrams else 0
        assert model.coef_.shape == (1, words + chars)
        scores[char_ngrams] = model.predict_proba(probe)[:, 0]
    assert scores[None][0] == pytest.approx(scores[None][1], abs=0.05)
    assert scores[(3, 5)][0] > scores[(3, 5)][1] + 0.2


def test_top_terms_are_words_of_the_document(trained_models, tiny_taxonomy):
    from cluster_nlp.registry import load_version

    model = load_version(trained_models, tiny_taxonomy, "v1").classifiers["functions"]
    text = "Акселератор отобрал двенадцать молодых команд и помог им найти первых заказчиков."
    terms = model.top_terms(text, "startup_support")
    lemmas = set(lemmatize(text).split())
    assert terms and all(set(term.split()) <= lemmas for term in terms)
