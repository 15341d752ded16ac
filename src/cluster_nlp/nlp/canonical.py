"""One name per entity: inflected forms, acronyms and lone kind words brought together.

An analyst counts "Московском инновационном кластере" and "Московского инновационного
кластера" as one cluster, and "ОмГТУ" as the "Омский государственный технический университет"
the document introduced it as. ``canonical_names`` gives each mention of a document that name:

- Russian phrases are put in the nominative around their head noun (the first noun):
  adjectives before it agree with it, words after it (a genitive complement, a quoted name)
  stay as written, so "Фонда содействия инновациям" becomes "Фонд содействия инновациям";
- an acronym the document defines ("… университет (ОмГТУ)") takes its full name's canonical
  name, and so does the full name itself;
- a lone capitalised kind word ("Фонда", "Центра") takes the name of the one organisation of
  that kind the document names in full; with none or several it links nowhere
  (``lone_kind_link`` returns None, and extraction drops it).

Exports, reports and the review app all call ``canonical_names``, so they count alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cluster_nlp.datafile import load_yaml_model
from cluster_nlp.nlp.acronyms import is_acronym
from cluster_nlp.nlp.gazetteer import fold, morph
from cluster_nlp.nlp.org_words import load_settings as load_org_settings

DATA = Path(__file__).with_name("data")
SETTINGS_PATH = DATA / "canonical.yaml"
ORG_LABEL = "ORG"
_WORD = re.compile(r"\w+(?:-\w+)*")
_DEFINED = re.compile(r"\(\s*(\w+)\s*\)")
_ADJECTIVES = frozenset({"ADJF", "PRTF"})


class CanonicalError(ValueError):
    """``canonical.yaml`` is malformed (one line, naming the field)."""


class CanonicalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acronym_link_words: frozenset[str]
    acronym_max_words: int = Field(ge=1, le=30)
    not_top_entity_types: frozenset[str]
    noise_any: frozenset[str]
    noise_by_type: dict[str, frozenset[str]]
    symbol_types: frozenset[str]
    formula_signs: str


@cache
def canonical_settings() -> CanonicalSettings:
    return load_yaml_model(SETTINGS_PATH, CanonicalSettings, CanonicalError)


@cache
def _kinds() -> frozenset[str]:
    return load_org_settings(DATA / "org-boundaries.yaml").kinds


def _capitalised_like(word: str, original: str) -> str:
    return word[:1].upper() + word[1:] if original[:1].isupper() else word


@lru_cache(maxsize=65536)
def nominative(phrase: str) -> str:
    """``phrase`` in the nominative around its head noun; other phrases come back as written."""
    words = phrase.split()
    analyzer = morph()
    parses = [
        analyzer.parse(word)[0] if analyzer.word_is_known(word) and not is_acronym(word) else None
        for word in words
    ]
    head = next(
        (i for i, parse in enumerate(parses) if parse is not None and parse.tag.POS == "NOUN"),
        None,
    )
    if head is None or any(
        parse is None or parse.tag.POS not in _ADJECTIVES for parse in parses[:head]
    ):
        return " ".join(words)
    head_parse = parses[head]
    number = head_parse.tag.number or "sing"
    head_form = (
        head_parse.inflect({"nomn", number}) if head_parse.tag.case != "nomn" else head_parse
    )
    if head_form is None:
        return " ".join(words)
    agreement = {"nomn", number} | ({head_form.tag.gender} if number == "sing" else set())
    result = []
    for word, parse in zip(words[:head], parses[:head], strict=True):
        form = parse.inflect(agreement - {None})
        result.append(_capitalised_like(form.word, word) if form else word)
    result.append(_capitalised_like(head_form.word, words[head]))
    return " ".join(result + words[head + 1 :])


def _spells(words: Sequence[str], letters: str, link_words: frozenset[str]) -> bool:
    """Whether ``letters`` is made of a prefix of each word in turn (link words may give none)."""
    if not words:
        return not letters
    word, rest = words[0], words[1:]
    if word in link_words and _spells(rest, letters, link_words):
        return True
    return any(
        letters.startswith(word[:n]) and _spells(rest, letters[n:], link_words)
        for n in range(1, min(len(word), len(letters)) + 1)
    )


def acronym_definitions(text: str) -> dict[str, str]:
    """Acronyms the text defines, "Full Name (ACRONYM)", with the fewest words that spell them."""
    settings = canonical_settings()
    found: dict[str, str] = {}
    for match in _DEFINED.finditer(text):
        acronym = match.group(1)
        if not is_acronym(acronym) or acronym in found:
            continue
        before = list(_WORD.finditer(text, max(0, match.start() - 400), match.start()))
        letters = fold(acronym)
        for count in range(1, min(len(before), settings.acronym_max_words) + 1):
            words = before[-count:]
            if fold(words[0].group()) in settings.acronym_link_words:
                continue
            parts = [fold(part) for w in words for part in w.group().split("-")]
            if _spells(parts, letters, settings.acronym_link_words):
                found[acronym] = " ".join(text[words[0].start() : words[-1].end()].split())
                break
    return found


def is_lone_kind(text: str) -> bool:
    """A single capitalised word naming a kind of organisation ("Фонда", "Центра")."""
    if " " in text.strip() or not text[:1].isupper() or is_acronym(text):
        return False
    return morph().parse(text)[0].normal_form in _kinds()


def lone_kind_link(kind_word: str, full_names: Sequence[str]) -> str | None:
    """The one canonical full name among ``full_names`` headed by ``kind_word``'s kind."""
    lemma = morph().parse(kind_word)[0].normal_form
    linked = {
        name
        for name in map(nominative, full_names)
        if len(name.split()) > 1 and fold(name.split()[0]) == lemma
    }
    return linked.pop() if len(linked) == 1 else None


def canonical_names(text: str, mentions: Sequence[tuple[str, str]]) -> list[str]:
    """The canonical name of each (label, mention text) of the document whose text is ``text``."""
    definitions = acronym_definitions(text)
    by_full_name = {fold(nominative(full)): acronym for acronym, full in definitions.items()}
    org_names = [mention for label, mention in mentions if label == ORG_LABEL]
    names = []
    for label, mention in mentions:
        mention = " ".join(mention.split())
        if mention in definitions:
            names.append(nominative(definitions[mention]))
        elif label == ORG_LABEL and is_lone_kind(mention):
            names.append(lone_kind_link(mention, org_names) or nominative(mention))
        else:
            name = nominative(mention)
            acronym = by_full_name.get(fold(name))
            names.append(nominative(definitions[acronym]) if acronym else name)
    return names
