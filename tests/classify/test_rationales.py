"""Passages marked by rationales: spans that slice back to the passages, overlap rules, and
the kinds of passage a label learns from."""

from __future__ import annotations

import numpy as np
import pytest

from cluster_nlp.classify.features import passage_spans, passages_of
from cluster_nlp.classify.rationales import locate, passage_targets, rationale_passages

PARAGRAPHS = [
    "The cluster runs an accelerator for young teams and finds them customers.",
    "Universities and employers design the master's courses together each year.",
    "The report was prepared at the end of the year by the secretariat.",
]
TEXT = "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "# Heading\n\n" + TEXT,  # a short heading joins the paragraph after it
        "  leading space\n\n\n\n" + TEXT + "\n\ntail",
        "one block without blank lines",
        "",
    ],
)
def test_passage_spans_are_the_passages_and_slice_back_to_them(text):
    spans = passage_spans(text)
    assert [passage for _, _, passage in spans] == passages_of(text)
    for start, end, passage in spans:
        assert " ".join(text[start:end].split()) == " ".join(passage.split())


@pytest.mark.parametrize(
    ("rationales", "expected"),
    [
        (["finds them customers."], [True, False, False]),  # a sentence inside a paragraph
        (["design the   master's courses"], [False, True, False]),  # whitespace forgiven
        ([PARAGRAPHS[0] + "\n\n" + PARAGRAPHS[1]], [True, True, False]),  # over two paragraphs
        # most of it in the second paragraph: only that one
        (["customers.\n\nUniversities and employers design"], [False, True, False]),
        (["finds them customers.", "by the secretariat."], [True, False, True]),
    ],
)
def test_a_passage_is_marked_when_a_good_part_of_a_rationale_is_in_it(rationales, expected):
    spans = [(start, end) for start, end, _ in passage_spans(TEXT)]
    assert rationale_passages(TEXT, spans, rationales).tolist() == expected


def test_rationales_not_found_in_the_text_say_nothing_is_known():
    spans = [(start, end) for start, end, _ in passage_spans(TEXT)]
    assert rationale_passages(TEXT, spans, ["a sentence the document never had"]) is None
    assert locate(TEXT, "   ") is None


def test_targets_and_kinds_per_label():
    spans = [(start, end) for start, end, _ in passage_spans(TEXT)]
    labels = ["startup_support", "education_training", "events_popularization", "consortium"]
    present = [True, True, False, True]
    rationales = {
        "startup_support": ["runs an accelerator for young teams"],
        "education_training": ["a sentence that is not there"],
        "consortium": [],
    }
    target, kind = passage_targets(TEXT, spans, labels, present, rationales)
    assert target[:, 0].tolist() == [1, 0, 0] and kind[:, 0].tolist() == [1, 2, 2]
    assert np.all(kind[:, 1] == 3) and np.all(kind[:, 3] == 3)  # rationales unknown
    assert np.all(kind[:, 2] == 0) and np.all(target[:, 2] == 0)  # the document lacks it
