"""entity_sources takes each entity type from the rules, the trained pipeline or both."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from cluster_nlp.nlp.entity_sources import EntitySourceError, EntitySources

TEXT = "Фонд «Сколково» развивает компьютерное зрение в Москве."
# What the rules pipeline left on the doc, and what the "trained" pipeline finds in the text.
RULES = [("Фонд «Сколково»", "ORG"), ("Москве", "LOC")]
TRAINED = [("«Сколково»", "CLUSTER"), ("компьютерное зрение", "AI_TECH"), ("Москве", "ORG")]


@pytest.fixture(scope="module")
def trained():
    """A stand-in for the trained ner: a pipeline that always finds ``TRAINED``."""
    nlp = spacy.blank("ru")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": text} for text, label in TRAINED])
    return nlp


def rules_doc() -> Doc:
    doc = spacy.blank("ru")(TEXT)
    spans = []
    for text, label in RULES:
        start = TEXT.index(text)
        spans.append(doc.char_span(start, start + len(text), label=label, span_id="natasha_ner"))
    doc.ents = spans
    return doc


def found(doc: Doc) -> list[tuple[str, str, str]]:
    return [(span.text, span.label_, span.id_) for span in doc.ents]


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        # Nothing named: the rules' spans stand.
        ({}, [("Фонд «Сколково»", "ORG", "natasha_ner"), ("Москве", "LOC", "natasha_ner")]),
        # AI_TECH from the trained pipeline: its span joins the rules' ones.
        (
            {"AI_TECH": "trained"},
            [
                ("Фонд «Сколково»", "ORG", "natasha_ner"),
                ("компьютерное зрение", "AI_TECH", "sources"),
                ("Москве", "LOC", "natasha_ner"),
            ],
        ),
        # ORG and LOC from the trained pipeline: the rules' spans of both types go, and of the
        # trained spans only those of these types come in.
        (
            {"ORG": "trained", "LOC": "trained"},
            [("Москве", "ORG", "sources")],
        ),
        # CLUSTER combined: a trained span inside a rules span is not taken.
        (
            {"CLUSTER": "combined"},
            [("Фонд «Сколково»", "ORG", "natasha_ner"), ("Москве", "LOC", "natasha_ner")],
        ),
    ],
)
def test_each_type_comes_from_its_source(trained, types, expected):
    component = EntitySources("sources", trained, types)
    assert found(component(rules_doc())) == expected


def test_pipe_gives_the_same_as_call(trained):
    component = EntitySources("sources", trained, {"AI_TECH": "trained"})
    piped = list(component.pipe([rules_doc(), rules_doc()], batch_size=1))
    assert [found(doc) for doc in piped] == [found(component(rules_doc()))] * 2


def test_an_unknown_source_is_a_one_line_error(trained):
    with pytest.raises(EntitySourceError, match="not \\['magic'\\]"):
        EntitySources("sources", trained, {"ORG": "magic"})
