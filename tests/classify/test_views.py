"""Evaluation views that imitate real input: excerpts and their labels, perturbations."""

from __future__ import annotations

import random

import pytest

from cluster_nlp.classify.data import LabeledText, rationale_texts
from cluster_nlp.classify.settings import load_classify_settings
from cluster_nlp.classify.views import (
    VIEWS,
    excerpt_labels,
    ocr_noise,
    view_examples,
    windows,
)
from cluster_nlp.corpus.schema import LabelSet

COORDINATION = "The cluster office coordinates the members' joint projects every quarter."
TRAINING = "Its academy trains two hundred engineers a year in machine learning."
FILLER = "The weather in the region was mild and the harvest was good this year. " * 20
TEXT = f"# Annual report\n\n{COORDINATION}\n\n{FILLER}\n\n{TRAINING}"
LABELS = LabelSet(functions=["stakeholder_coordination", "education_training"])


def example(rationales=None, text=TEXT, lang="en", doc_id="d-1") -> LabeledText:
    return LabeledText(doc_id, text, lang, "news", "test", LABELS, None, rationales=rationales)


@pytest.fixture(scope="module")
def settings():
    return load_classify_settings()


RATIONALES = {"stakeholder_coordination": (COORDINATION,), "education_training": (TRAINING,)}


def span(passage: str, share: float = 1.0) -> tuple[int, int]:
    start = TEXT.index(passage)
    return start, start + int(len(passage) * share)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (span(COORDINATION), ["stakeholder_coordination"]),
        (span(TRAINING), ["education_training"]),
        ((0, len(TEXT)), ["stakeholder_coordination", "education_training"]),
        (span(COORDINATION, 0.6), ["stakeholder_coordination"]),  # most of the rationale
        (span(COORDINATION, 0.3), []),  # too little of it
        ((TEXT.index(FILLER), TEXT.index(FILLER) + 500), []),
    ],
)
def test_an_excerpt_carries_the_labels_whose_rationales_it_holds(window, expected, settings):
    labels = excerpt_labels(example(RATIONALES), *window, settings.views)
    assert labels.ids("functions") == expected


def test_a_rationale_is_found_across_different_whitespace(settings):
    spaced = {"education_training": ("Its academy trains  two hundred\nengineers",)}
    labels = excerpt_labels(example(spaced), *span(TRAINING), settings.views)
    assert labels.ids("functions") == ["education_training"]


@pytest.mark.parametrize(("share", "scored"), [(0.9, True), (0.2, False)])
def test_without_rationales_only_large_excerpts_are_scored(share, scored, settings):
    labels = excerpt_labels(example(None), 0, int(len(TEXT) * share), settings.views)
    assert (labels == LABELS) if scored else labels is None


def test_rationales_are_read_from_a_record_as_texts():
    class Record:
        rationales = {"applied_rnd": [{"start": 0, "end": 4, "text": "Labs"}]}

    assert rationale_texts(Record()) == {"applied_rnd": ("Labs",)}
    assert rationale_texts(object()) is None


def test_windows_have_the_views_lengths_and_fall_on_word_boundaries(settings):
    options = settings.views
    text = ("word " * 2000).strip()
    for start, end in windows(text, 20, options, random.Random(1)):
        assert options.excerpt_min_chars - 5 <= end - start <= options.excerpt_max_chars + 5
        assert start == 0 or text[start].isspace()
        assert end == len(text) or text[end].isspace()


def test_views_are_deterministic_and_keep_labels(settings):
    examples = [example(RATIONALES), example(None, doc_id="d-2", lang="ru")]
    for view in VIEWS:
        first = view_examples(examples, view, settings)
        assert first == view_examples(examples, view, settings)
        if view != "excerpts":
            assert [e.labels for e in first] == [LABELS, LABELS]


@pytest.mark.parametrize(
    ("view", "check"),
    [
        ("lower_case", lambda text: text == TEXT.lower()),
        ("no_headings", lambda text: "Annual report" not in text and COORDINATION in text),
        ("furniture", lambda text: "Share this article" in text or "Accept cookies" in text),
        ("ocr_noise", lambda text: text != TEXT and abs(len(text) - len(TEXT)) < 0.05 * len(TEXT)),
    ],
)
def test_perturbations(view, check, settings):
    assert check(view_examples([example(RATIONALES)], view, settings)[0].text)


def test_ocr_noise_touches_about_its_rate_of_letters():
    text = "кластер искусственного интеллекта " * 200
    noisy = ocr_noise(text, 0.05, random.Random(3))
    changed = sum(a != b for a, b in zip(text, noisy, strict=False))
    assert changed > 0 and ocr_noise(text, 0.0, random.Random(3)) == text


def test_an_unknown_view_is_refused(settings):
    with pytest.raises(ValueError, match="unknown view"):
        view_examples([example()], "sideways", settings)
