"""The words ``org_boundaries`` reasons with: its settings file and what it asks of tokens.

``nlp/data/org-boundaries.yaml`` lists, as pymorphy3 lemmas, the nouns that name a kind of
organisation, a legal form or status, an authority, a mere description, or something that is
no organisation; ``WordReader`` answers the rules' questions about one document's tokens
(is this word common or a name, a kind of organisation, an adjective, in the genitive?).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cluster_nlp.datafile import load_yaml_model
from cluster_nlp.nlp.gazetteer import fold, is_abbreviation, morph

if TYPE_CHECKING:  # the exports read these words too, and must not load spaCy for them
    from spacy.tokens import Doc

OPENING, CLOSING = "«", "»"
QUOTES = frozenset({OPENING, CLOSING, '"', "„", "“", "”"})
# Grammemes that make a dictionary word a name, so its capital letter is not just position.
PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})
# Types a noun before a quoted name can give it instead of ORG; "none" drops the span.
OTHER_LABELS = frozenset({"CLUSTER", "LAW", "LOC", "none"})
# Parts of speech (pymorphy3) of the words between a kind and its quoted name:
# "Ассоциация разработчиков программного обеспечения «…»", "территории опережающего развития «…»".
MODIFIER_POS = frozenset({"NOUN", "ADJF", "PRTF"})


class OrgBoundaryError(ValueError):
    """The settings file is malformed (one line, naming the file and the field)."""


class OrgBoundarySettings(BaseModel):
    """``org-boundaries.yaml``: word lists (lower-case lemmas) and one distance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: frozenset[str]
    kinds_in_name: frozenset[str]
    statuses: frozenset[str]
    authorities: frozenset[str]
    descriptors: frozenset[str]
    other_heads: dict[str, frozenset[str]]
    heads_in_span: frozenset[str]
    place_links: frozenset[str]
    attachment_links: frozenset[str]
    generic_prefixes: tuple[str, ...]
    never_alone: frozenset[str]
    sentence_ends: frozenset[str]
    organisation_endings: tuple[str, ...]
    terms_inside_names: frozenset[str]
    field_links: tuple[str, ...]
    max_kind_distance: int = Field(ge=1, le=20)

    @model_validator(mode="after")
    def _lower_case_and_disjoint(self) -> OrgBoundarySettings:
        groups = {
            "kinds": self.kinds,
            "statuses": self.statuses,
            "authorities": self.authorities,
            "descriptors": self.descriptors,
        }
        if not self.kinds_in_name <= self.kinds:
            raise ValueError("kinds_in_name: every word must also be in kinds")
        word_lists = {
            **groups,
            "kinds_in_name": self.kinds_in_name,
            "place_links": self.place_links,
            "attachment_links": self.attachment_links,
            "generic_prefixes": self.generic_prefixes,
            "never_alone": self.never_alone,
            "organisation_endings": self.organisation_endings,
            "field_links": self.field_links,
        }
        for name, words in word_lists.items():
            if any(not word or word != word.lower() for word in words):
                raise ValueError(f"{name}: words must be non-empty lower-case lemmas")
        unknown = set(self.other_heads) - OTHER_LABELS
        if unknown:
            raise ValueError(f"other_heads: {sorted(unknown)} not among {sorted(OTHER_LABELS)}")
        if not self.heads_in_span <= set(self.other_heads) - {"none"}:
            raise ValueError("heads_in_span: every type must be one of other_heads' types")
        groups |= {f"other_heads.{label}": words for label, words in self.other_heads.items()}
        seen: dict[str, str] = {}
        for name, words in groups.items():
            for word in sorted(words):
                if word in seen:
                    raise ValueError(f"{word!r} is in both {seen[word]} and {name}")
                seen[word] = name
        return self

    def category(self, lemma: str) -> str | None:
        """Which list a head noun belongs to, if any ("other:LAW" for other_heads.LAW)."""
        for name in ("statuses", "authorities", "kinds", "descriptors"):
            if lemma in getattr(self, name):
                return name
        for label, words in self.other_heads.items():
            if lemma in words:
                return f"other:{label}"
        return None


def load_settings(path: Path) -> OrgBoundarySettings:
    return load_yaml_model(path, OrgBoundarySettings, OrgBoundaryError)


@lru_cache(maxsize=65536)
def _likeliest_tags(word: str) -> frozenset[str]:
    return frozenset(morph().parse(word)[0].tag.grammemes)


@lru_cache(maxsize=65536)
def _any_tags(word: str) -> frozenset[str]:
    return frozenset().union(*(parse.tag.grammemes for parse in morph().parse(word)))


@lru_cache(maxsize=65536)
def _is_dictionary_word(word: str) -> bool:
    return morph().word_is_known(word)


class WordReader:
    """What the rules ask of a document's tokens, under one settings file."""

    def __init__(self, doc: Doc, settings: OrgBoundarySettings, natasha_spans: str) -> None:
        self.doc = doc
        self.settings = settings
        self.natasha_spans = natasha_spans  # the span group natasha_ner kept its spans in

    def joins(self, i: int) -> bool:
        """A hyphen inside a compound the tokenizer split: "Научно-образовательный"."""
        doc = self.doc
        return (
            doc[i].text == "-"
            and 0 < i < len(doc) - 1
            and not doc[i - 1].whitespace_
            and not doc[i].whitespace_
        )

    def is_prefix(self, i: int) -> bool:
        """The generic first part of a compound: "ИТ" in "ИТ-компании"."""
        word = fold(self.doc[i].text)
        return (
            i + 1 < len(self.doc)
            and self.joins(i + 1)
            and (f"{word}-" in self.settings.generic_prefixes)
        )

    def bare(self, i: int) -> str:
        """Token text without a generic prefix the tokenizer kept: "ИТ-компании" -> "компании"."""
        text = self.doc[i].text
        for prefix in self.settings.generic_prefixes:
            if text.lower().startswith(prefix) and len(text) > len(prefix):
                return text[len(prefix) :]
        return text

    def lemma(self, i: int) -> str:
        bare = self.bare(i)
        if bare != self.doc[i].text:
            return fold(morph().parse(fold(bare))[0].normal_form)
        return fold(self.doc[i].lemma_ or self.doc[i].text)

    def category(self, i: int) -> str | None:
        return self.settings.category(self.lemma(i))

    def sentence_start(self, i: int) -> bool:
        while i > 0 and self.doc[i - 1].text in QUOTES:
            i -= 1
        return i == 0 or self.doc[i - 1].text in self.settings.sentence_ends

    def is_word(self, i: int) -> bool:
        return self.joins(i) or any(char.isalpha() for char in self.doc[i].text)

    def capitalised(self, i: int) -> bool:
        return self.bare(i)[:1].isupper()

    def is_common(self, i: int) -> bool:
        """No sign of a name: lower case, a verb in capitals, or capitalised only for standing
        first in a sentence (a word pymorphy3 knows whose likeliest reading is no name:
        "Резиденты", "Коротко")."""
        if self.doc[i].is_punct or self.joins(i) or self.is_prefix(i):
            return True
        bare = self.bare(i)
        if not any(char.isalpha() for char in bare):
            return False  # digits: "Приоритет-2030"
        if bare == bare.lower():
            return True
        if is_abbreviation(bare) and "VERB" in _likeliest_tags(fold(bare)):
            return True  # the headings of minutes: "ПОСТАНОВИЛИ", "СЛУШАЛИ"
        if not self.sentence_start(i) or is_abbreviation(bare):
            return False
        word = fold(bare)
        return _is_dictionary_word(word) and not PROPER & _likeliest_tags(word)

    def is_adjective(self, i: int) -> bool:
        word = fold(self.bare(i))
        return any(char.isalpha() for char in word) and bool({"ADJF", "PRTF"} & _any_tags(word))

    def is_modifier(self, i: int) -> bool:
        """A word that may stand between a kind and its quoted name (not a verb or preposition)."""
        if self.joins(i) or self.is_prefix(i):
            return True
        word = fold(self.bare(i))
        return any(char.isalpha() for char in word) and bool(MODIFIER_POS & _likeliest_tags(word))

    def head_noun(self, start: int, end: int) -> int | None:
        """The first noun of tokens start..end."""
        for i in range(start, end):
            if not self.is_word(i) or self.is_prefix(i) or self.joins(i):
                continue
            if "NOUN" in _likeliest_tags(fold(self.bare(i))):
                return i
        return None

    def named_by_head(self, start: int, end: int) -> bool:
        """Whether the first noun of tokens start..end is a kind, status or authority, singular."""
        head = self.head_noun(start, end)
        if head is None:
            return False
        singular = "sing" in _likeliest_tags(fold(self.bare(head)))
        return singular and self.category(head) in ("kinds", "statuses", "authorities")

    def descriptive_name(self, start: int, end: int) -> bool:
        """A name made of a capitalised kind, status or authority and common words or
        acronyms: "Фонд технологического развития", "Центр компетенций НТИ"."""
        return (
            self.named_by_head(start, end)
            and self.capitalised(start)
            and all(
                not self.capitalised(i) or is_abbreviation(self.doc[i].text)
                for i in range(start + 1, end)
            )
        )

    def can_be(self, i: int, case: str) -> bool:
        return case in _any_tags(fold(self.doc[i].text))

    def phrase_start(self, head: int, floor: int, taken: frozenset[int] = frozenset()) -> int:
        """The head noun's first word: adjectives before it ("Научно-образовательный центр")."""
        start = head
        while (
            start - 1 >= floor
            and start - 1 not in taken
            and (self.is_adjective(start - 1) or self.joins(start - 1) or self.joins(start))
        ):
            start -= 1
        return start

    def names_with_head(self, head: int, phrase_start: int) -> bool:
        """Whether the phrase ending at ``head`` is part of the name that follows it."""
        category = self.category(head)
        if category in ("statuses", "authorities"):
            return True
        return category == "kinds" and (
            self.capitalised(phrase_start) or self.lemma(head) in self.settings.kinds_in_name
        )

    def quote_head(self, quote: int, taken: frozenset[int]) -> int | None:
        """The noun a quoted name at ``quote`` belongs to: the nearest kind, status, authority
        or other head to its left across nouns and adjectives only; a descriptor only when it
        stands right before the guillemet ("ИТ-компании «…»")."""
        floor = max(0, quote - self.settings.max_kind_distance)
        for i in range(quote - 1, floor - 1, -1):
            if i in taken or not (self.is_modifier(i) or self.category(i)):
                return None  # a category word may be an abbreviation pymorphy3 lacks ("ОЭЗ")
            category = self.category(i)
            if category == "descriptors" and i != quote - 1:
                continue
            if category:
                return i
        return None
