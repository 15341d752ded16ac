"""English name-shape patterns for the entity ruler: named programmes (LAW) and bodies (ORG).

A name is a run of capitalised words ending in a head word ("... Strategy", "... University"),
with optional modifiers before it and complements after it ("of Oslo", "for the Development
of AI in Poland"). The words come from ``data/names-en.yaml``; this module only knows the
shape of a name, so the lists can grow without code changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cluster_nlp.datafile import load_yaml_model

NAMES_PATH = Path(__file__).parent / "data" / "names-en.yaml"
MAX_LATER_COMPLEMENTS = 2
MAX_LIST_ITEMS = 3


class NameShapeError(ValueError):
    """The name-shape word lists are malformed (one line, naming the file and the entry)."""


class NameWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sentence_openers: list[str] = Field(min_length=1)
    law_heads: list[str] = Field(min_length=1)
    law_heads_with_complement: list[str]
    law_endings: list[list[str]]
    org_heads: list[str] = Field(min_length=1)
    legal_forms: list[str]
    fields: list[str]
    particles: list[str]
    first_prepositions: list[str] = Field(min_length=1)
    later_prepositions: list[str]


def _capitalised(op: str | None = None) -> dict:
    token: dict = {"SHAPE": {"REGEX": "^X"}}
    return {**token, "OP": op} if op else token


def _not_in(words: list[str]) -> str:
    return "^(?!(" + "|".join(words) + ")$)"


class _Shapes:
    """The token patterns a name is built of, for one set of word lists."""

    def __init__(self, words: NameWords) -> None:
        self.words = words
        heads = words.law_heads + words.law_heads_with_complement + words.org_heads
        self.first_word = {**_capitalised(), "TEXT": {"REGEX": _not_in(words.sentence_openers)}}
        self.not_head = {**_capitalised(), "LOWER": {"REGEX": _not_in(heads)}}
        self.field = {"LOWER": {"IN": words.fields}, "SHAPE": {"REGEX": "^X"}}
        article = {"LOWER": {"IN": ["the", "a", "an"]}, "OP": "?"}
        conjunction = {"LOWER": {"IN": ["and", "&"]}}
        self.conjunction = conjunction
        self.first = [{"LOWER": {"IN": words.first_prepositions}}, article, _capitalised("{1,5}")]
        later = words.first_prepositions + words.later_prepositions
        self.later = [{"LOWER": {"IN": later}}, article, _capitalised("{1,5}")]
        # "and" may only join the last one or two words, with a field of activity after it,
        # so "University of Oslo and Lund University" stays two names.
        self.last = [conjunction, self.field, {**self.not_head, "OP": "{0,1}"}]
        # A comma list of single words closed by "and" joins the first complement: "Ministry
        # of Innovation, Science and Economic Development". Each item being one word keeps
        # "Ministry of Finance, Innovation Norway and …" three names.
        comma = {"ORTH": ","}
        self.lists = [
            [comma, _capitalised()] * items
            + [{"ORTH": ",", "OP": "?"}, conjunction, article, _capitalised("{1,3}")]
            for items in range(1, MAX_LIST_ITEMS + 1)
        ]

    def complements(self) -> Iterator[list[dict]]:
        yield []
        for more in range(MAX_LATER_COMPLEMENTS + 1):
            yield self.first + self.later * more
            if more < MAX_LATER_COMPLEMENTS:
                yield self.first + self.later * more + self.last
        for listed in self.lists:
            yield self.first + listed

    def modifiers(self, joined_fields: bool) -> list[list[dict]]:
        """What may stand before the head: "Model AI Governance", "Pan-Canadian Artificial
        Intelligence", "Mohamed bin Zayed"; for programmes also "CHIPS and Science"."""
        found = [
            [],
            [self.first_word, _capitalised("{0,5}")],
            [self.first_word, {"ORTH": "-"}, _capitalised(), _capitalised("{0,5}")],
            [
                self.first_word,
                _capitalised("{0,2}"),
                {"LOWER": {"IN": self.words.particles}},
                _capitalised("{1,3}"),
            ],
        ]
        if joined_fields:
            found.append(
                [
                    self.first_word,
                    {**self.not_head, "OP": "{0,2}"},
                    self.conjunction,
                    self.field,
                    _capitalised("{0,2}"),
                ]
            )
        return found

    def names(
        self,
        label: str,
        heads: list[str],
        pattern_id: str,
        tail: list[dict],
        complement: bool,
        joined_fields: bool,
    ) -> Iterator[dict]:
        head = {"LOWER": {"IN": heads}, "SHAPE": {"REGEX": "^X"}}
        for before, after in itertools.product(self.modifiers(joined_fields), self.complements()):
            if not after and (complement or not before):
                continue  # a bare "Strategy" or "University" is not a name
            yield {"label": label, "pattern": [*before, head, *after, *tail], "id": pattern_id}


def build_name_patterns(words: NameWords) -> list[dict]:
    shapes = _Shapes(words)
    year = {"SHAPE": "dddd"}
    # A programme's name may end in its year: "Vision 2035", "Data Protection Act, 2019".
    patterns = [
        pattern
        for tail in ([], [year], [{"ORTH": ","}, year])
        for pattern in shapes.names(
            "LAW", words.law_heads, "law-named-programme", tail, False, True
        )
    ]
    patterns += shapes.names(
        "LAW", words.law_heads_with_complement, "law-named-policy", [], True, False
    )
    patterns += [
        {
            "label": "LAW",
            "pattern": [shapes.first_word, _capitalised("{0,3}"), *({"ORTH": w} for w in ending)],
            "id": "law-named-ending",
        }
        for ending in words.law_endings
    ]
    patterns += shapes.names("ORG", words.org_heads, "org-named-body", [], False, False)
    patterns.append(
        {
            "label": "ORG",
            "pattern": [
                shapes.first_word,
                _capitalised("{0,3}"),
                {"ORTH": {"IN": words.legal_forms}},
            ],
            "id": "org-legal-form",
        }
    )
    return patterns


@cache
def name_patterns(path: Path = NAMES_PATH) -> list[dict]:
    """The English name-shape patterns from the word lists at ``path``."""
    return build_name_patterns(load_yaml_model(path, NameWords, NameShapeError))
