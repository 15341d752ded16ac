"""Entity noise: off-domain mentions and unexplained lone kind words are dropped."""

from __future__ import annotations

import pytest
import spacy

from cluster_nlp.nlp.evaluate import predict_mentions
from cluster_nlp.nlp.noise import is_noise, kept, without_noise
from cluster_nlp.records import Entity


@pytest.mark.parametrize(
    ("label", "text", "noise"),
    [
        ("ORG", "DOI", True),
        ("LOC", "N.A.", True),
        ("LOC", "GDP", True),
        ("ORG", "ВВП", True),
        ("LOC", "Y", True),
        ("LOC", "ΔY", True),
        ("ORG", "K1", True),
        ("LOC", "Томск", False),
        ("LOC", "США", False),
        ("ORG", "МТС", False),
        ("AI_TECH", "GPT", False),
        ("DATE", "2021", False),
    ],
)
def test_is_noise(label: str, text: str, noise: bool):
    assert is_noise(label, text) is noise


@pytest.mark.parametrize(
    ("mentions", "expected"),
    [
        ([("ORG", "Фонда")], [False]),
        ([("ORG", "Центра"), ("LOC", "Томска")], [False, True]),
        ([("ORG", "Фонд содействия инновациям"), ("ORG", "Фонда")], [True, True]),
        # two funds named in full: "Фонда" could be either of them
        (
            [("ORG", "Фонд развития"), ("ORG", "Фонд инноваций"), ("ORG", "Фонда")],
            [True, True, False],
        ),
        ([("ORG", "Центр компетенций"), ("ORG", "Фонда")], [True, False]),
    ],
)
def test_lone_kind_words_stay_only_when_linked(mentions, expected):
    assert kept(mentions) == expected


def entity(text: str, label: str, start: int) -> Entity:
    return Entity(text=text, label=label, start=start, end=start + len(text), component="ner")


def test_without_noise_keeps_real_entities_in_order():
    entities = [entity("DOI", "ORG", 0), entity("Томск", "LOC", 5), entity("Центра", "ORG", 12)]
    assert [e.text for e in without_noise(entities)] == ["Томск"]


def test_the_evaluation_reads_mentions_as_extraction_keeps_them():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "LOC", "pattern": "GDP"}, {"label": "LOC", "pattern": "Sweden"}])
    mentions = predict_mentions(nlp, "GDP grew in Sweden.")
    assert [(m.label, m.text) for m in mentions] == [("LOC", "Sweden")]
