"""The character view: n-grams of the words the word view keeps, packed like the words; cue
counts."""

from __future__ import annotations

import numpy as np
import pytest

from cluster_nlp.classify.features import (
    char_features,
    cue_counts,
    fit_word_features,
    pack_vocabulary,
    surface_words,
    unpack_vocabulary,
    word_features,
)
from cluster_nlp.taxonomy import cue_regex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кластеры объединяют стартапы.", "кластеры объединяют стартапы"),
        # a name inside a sentence and a number are dropped, as in the word view
        ("Резиденты в Новосибирске создали 12 продуктов.", "резиденты в создали продуктов"),
        ("АНО и AI-команды растут.", "ано и ai-команды растут"),
    ],
)
def test_surface_words_are_the_word_views_words_as_written(text, expected):
    assert surface_words(text) == expected


@pytest.mark.parametrize(
    ("seen", "unseen"),
    [
        ("кластера", "кластерами"),  # an inflected form
        ("innovation", "innovative"),  # English words the suffix rule gives different lemmas
        ("цифровизация", "цифровизацией"),
    ],
)
def test_char_view_scores_an_inflected_form_unseen_in_training(seen, unseen):
    texts = [f"Участники {seen} растут.", "Погода была солнечной.", "Отчёт вышел весной."]
    chars = char_features((3, 5), min_df=1, max_df=1.0).fit(texts)
    assert unseen not in surface_words(" ".join(texts)).split()
    row = chars.transform([unseen]).toarray()[0]
    shared = chars.get_feature_names_out()[row > 0]
    assert len(shared) >= 3
    assert all(ngram.strip() in f" {seen} " and ngram.strip() in f" {unseen} " for ngram in shared)


@pytest.mark.parametrize("dropped", ["новосибирск", "halden", "2024", "17"])
def test_names_and_numbers_never_reach_the_char_vocabulary(dropped):
    texts = [
        "Кластер в Новосибирске создал 2024 рабочих места.",
        "Кластер в Новосибирске открыл 17 лабораторий.",
        "The cluster in Halden opened 17 labs.",
        "The cluster in Halden hired 2024 engineers.",
    ]
    vocabulary = char_features((3, 5), min_df=2, max_df=1.0).fit(texts).get_feature_names_out()
    assert "класт" in vocabulary and "clust" in vocabulary
    assert not any(ngram.strip() in dropped for ngram in vocabulary if len(ngram.strip()) >= 3)
    assert not any(character.isdigit() for ngram in vocabulary for character in ngram)


TEXTS = ["кластер растёт быстро", "кластер и технопарк", "технопарк растёт", "новый кластер"]


@pytest.mark.parametrize(
    ("fitted", "blank"),
    [
        (fit_word_features(TEXTS, min_df=2, max_df=0.9), word_features(2, 0.9)),
        (char_features((3, 5), 2, 0.9).fit(TEXTS), char_features((3, 5), 2, 0.9)),
    ],
    ids=["words", "chars"],
)
def test_packed_vocabulary_transforms_like_the_original(fitted, blank):
    terms, idf = pack_vocabulary(fitted)
    packed = unpack_vocabulary(terms, idf, blank)
    np.testing.assert_allclose(
        packed.transform(TEXTS).toarray(), fitted.transform(TEXTS).toarray(), rtol=1e-6
    )
    with pytest.raises(ValueError, match="terms but"):
        unpack_vocabulary(terms, idf[:-1], word_features(2, 0.9))


CUE_CASES = [
    pytest.param(["территориальн кластер"], "Территориального  кластера нет", 1, id="inflected"),
    pytest.param(["территориальн кластер"], "нетерриториальный кластер", 0, id="inside-a-word"),
    pytest.param(["ИИ"], "центр ии и ИИ-решения", 2, id="upper-cue-lower-text"),
    pytest.param(["cluster", "hub"], "CLUSTER, Hub, cluster-hub", 4, id="several-cues"),
    pytest.param(["ёмкост"], "Ёмкость рынка", 1, id="capital-yo"),
    pytest.param(["technology transfer"], "technology\ntransfer", 1, id="words-across-lines"),
    pytest.param(["transfer"], "", 0, id="empty-text"),
]


@pytest.mark.parametrize(("cues", "text", "expected"), CUE_CASES)
def test_cue_counts_count_what_each_cue_pattern_finds(cues, text, expected):
    """The first-word shortcut never drops a match that the cue's own pattern finds."""
    counts = cue_counts([text], [cues])
    by_pattern = sum(len(cue_regex(cue).findall(text)) for cue in cues)
    assert counts.shape == (1, 1)
    assert counts[0, 0] == by_pattern == expected
