"""Gazetteers of places and currencies: loaded from ``nlp/data``, validated, indexed by lemmas.

Russian names inflect ("в Нижнем Новгороде", "Новосибирской области"), so every name is stored
as a sequence of slots, one per word, each holding every lemma pymorphy3 offers for that word
(all parses, not just the likeliest: "Челны" is both "челны" and "чёлн") and the word's
inflected forms. A mention matches a name when each of its words, or one of its lemmas, is in
the name's slot at the same position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Generic, TypeVar

import pymorphy3
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cluster_nlp.datafile import load_yaml_model
from cluster_nlp.records import Record

DATA = Path(__file__).with_name("data")
REGIONS_PATH = DATA / "regions.yaml"
COUNTRIES_PATH = DATA / "countries.yaml"
SUBJECT_COUNT = 89  # federal subjects as Russia counts them (incl. those added in 2014 and 2022)
SUBJECT_CODE = r"^RU-[A-Z]{2,3}$"
COUNTRY_CODE = r"^[A-Z]{2}$"
CURRENCY_CODE = r"^[A-Z]{3}$"

WORD = re.compile(r"\w+(?:['’‐‑-]\w+)*")
# A name never runs across these; "Москва, Новосибирск" is two mentions.
HARD_BREAK = re.compile(r"[,;:!?]")
CYRILLIC = re.compile(r"[а-яё]")


class GazetteerError(ValueError):
    """A gazetteer file is malformed or ambiguous (one line, naming the file and the entry)."""


# --- morphology -------------------------------------------------------------------------------


@cache
def morph() -> pymorphy3.MorphAnalyzer:
    """The shared analyzer: slow to build, so built once, on first use."""
    return pymorphy3.MorphAnalyzer()


def fold(text: str) -> str:
    return text.lower().replace("ё", "е").replace("’", "'")


@lru_cache(maxsize=65536)
def word_forms(word: str) -> frozenset[str]:
    """The word itself and every lemma it may have, lower-cased with ё folded to е."""
    folded = fold(word)
    forms = {folded}
    if CYRILLIC.search(folded):
        forms.update(fold(parse.normal_form) for parse in morph().parse(folded))
    elif folded.endswith("'s"):
        forms.add(folded[:-2])
    elif len(folded) > 3 and folded.endswith("s") and not folded.endswith("ss"):
        forms.add(folded[:-1])  # English plural: "dollars", "Emirates"
    return frozenset(forms)


@lru_cache(maxsize=16384)
def name_forms(word: str) -> frozenset[str]:
    """``word_forms`` plus every inflected form of the word's noun and adjective readings.

    Names are expanded this way so that a rare name pymorphy3 has to guess ("Лунд") still
    meets its inflected mention ("Лунде"), whose own guessed lemma may differ ("лунда")."""
    forms = set(word_forms(word))
    if CYRILLIC.search(fold(word)):
        for parse in morph().parse(fold(word)):
            if parse.tag.POS in {"NOUN", "ADJF"}:
                forms.update(fold(form.word) for form in parse.lexeme)
    return frozenset(forms)


def has_grammeme(word: str, grammemes: set[str], *, likeliest_only: bool = False) -> bool:
    """Whether pymorphy3 reads ``word`` with one of ``grammemes`` (e.g. Name, Surn)."""
    parses = morph().parse(fold(word))
    if likeliest_only:
        parses = parses[:1]
    return any(grammemes & set(parse.tag.grammemes) for parse in parses)


# --- tokens and the phrase index --------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    segment: int  # tokens in different segments are separated by a hard break


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    segment, previous_end = 0, 0
    for match in WORD.finditer(text):
        if HARD_BREAK.search(text, previous_end, match.start()):
            segment += 1
        tokens.append(Token(match.group(), match.start(), match.end(), segment))
        previous_end = match.end()
    return tokens


def is_abbreviation(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


Value = TypeVar("Value")


@dataclass(frozen=True)
class Phrase(Generic[Value]):
    value: Value
    slots: tuple[frozenset[str], ...]
    surface: tuple[str, ...] | None  # abbreviations ("США", "UK") match only these exact words
    needs_capital: bool  # proper names need a capitalised word: "Орёл" is a city, "орёл" a bird
    weak: bool  # adjectives lose to names of the same length
    rank: int  # last tie-break: lower wins


@dataclass(frozen=True)
class PhraseMatch(Generic[Value]):
    value: Value
    start: int  # token indexes, end exclusive
    end: int
    weak: bool
    rank: int

    @property
    def priority(self) -> tuple[int, bool, int, int]:
        """Sort key: longest first, names before adjectives, earliest, then by rank."""
        return (self.start - self.end, self.weak, self.start, self.rank)


class PhraseIndex(Generic[Value]):
    """Phrases keyed by the lemmas of their first word; finds the longest matches in a text."""

    def __init__(self, synonyms: Mapping[str, str] | None = None) -> None:
        self._synonyms = dict(synonyms or {})
        self._by_first: dict[str, list[Phrase[Value]]] = {}
        self._owner: dict[tuple[str, ...], tuple[str, Value]] = {}

    def forms(self, word: str, *, as_name: bool = False) -> frozenset[str]:
        found = name_forms(word) if as_name else word_forms(word)
        return frozenset(self._synonyms.get(form, form) for form in found)

    def add(
        self,
        text: str,
        value: Value,
        *,
        weak: bool = False,
        needs_capital: bool = True,
        rank: int = 0,
    ) -> None:
        tokens = tokenize(text)
        if not tokens:
            raise GazetteerError(f"empty name {text!r} for {value}")
        key = tuple(self._synonyms.get(fold(token.text), fold(token.text)) for token in tokens)
        if key in self._owner:
            first_text, first_value = self._owner[key]
            if first_value != value:
                raise GazetteerError(f"{text!r} names two things: {first_value} and {value}")
            return
        self._owner[key] = (text, value)
        phrase = Phrase(
            value=value,
            slots=tuple(self.forms(token.text, as_name=True) for token in tokens),
            surface=tuple(token.text for token in tokens) if is_abbreviation(text) else None,
            needs_capital=needs_capital,
            weak=weak,
            rank=rank,
        )
        for form in phrase.slots[0]:
            self._by_first.setdefault(form, []).append(phrase)

    def __len__(self) -> int:
        return len(self._owner)

    def candidates(self, tokens: Sequence[Token]) -> list[PhraseMatch[Value]]:
        """Every phrase occurrence, overlapping ones included."""
        forms = [self.forms(token.text) for token in tokens]
        found: list[PhraseMatch[Value]] = []
        for start in range(len(tokens)):
            seen: set[int] = set()
            for form in forms[start]:
                for phrase in self._by_first.get(form, ()):
                    if id(phrase) in seen:
                        continue
                    seen.add(id(phrase))
                    end = start + len(phrase.slots)
                    if end > len(tokens) or not self._fits(
                        phrase, tokens[start:end], forms[start:end]
                    ):
                        continue
                    found.append(PhraseMatch(phrase.value, start, end, phrase.weak, phrase.rank))
        return found

    def find(self, tokens: Sequence[Token]) -> list[PhraseMatch[Value]]:
        """Non-overlapping matches in text order, preferring the longest."""
        chosen: list[PhraseMatch[Value]] = []
        taken: set[int] = set()
        for match in sorted(self.candidates(tokens), key=lambda match: match.priority):
            span = set(range(match.start, match.end))
            if not span & taken:
                chosen.append(match)
                taken |= span
        return sorted(chosen, key=lambda match: match.start)

    @staticmethod
    def _fits(phrase: Phrase, tokens: Sequence[Token], forms: Sequence[frozenset[str]]) -> bool:
        if tokens[0].segment != tokens[-1].segment:
            return False
        if phrase.surface is not None:
            return tuple(token.text for token in tokens) == phrase.surface
        if phrase.needs_capital and not any(token.text[0].isupper() for token in tokens):
            return False
        return all(slot & form for slot, form in zip(phrase.slots, forms, strict=True))


# --- gazetteer files --------------------------------------------------------------------------


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Settlement(Entry):
    """Anything with a name: a city, a place, and (through subclasses) a region or a country."""

    name_ru: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    adjectives: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_ru, self.name_en, *self.aliases)


class SubjectType(StrEnum):
    REPUBLIC = "republic"
    KRAI = "krai"
    OBLAST = "oblast"
    FEDERAL_CITY = "federal city"
    AUTONOMOUS_OBLAST = "autonomous oblast"
    AUTONOMOUS_OKRUG = "autonomous okrug"


class Subject(Settlement):
    """A federal subject of Russia."""

    code: str = Field(pattern=SUBJECT_CODE)
    type: SubjectType
    iso_official: bool = True  # False for the codes ISO 3166-2:RU does not list (see the file)
    capital: str
    cities: tuple[Settlement, ...] = ()
    places: tuple[Settlement, ...] = ()

    @model_validator(mode="after")
    def _capital_is_listed(self) -> Subject:
        if self.type is SubjectType.FEDERAL_CITY:
            if self.capital != self.name_ru:
                raise ValueError(f"{self.code}: a federal city is its own capital")
        elif self.capital not in {city.name_ru for city in self.cities}:
            raise ValueError(f"{self.code}: capital {self.capital!r} is not among its cities")
        return self


class RegionsFile(Entry):
    designator_synonyms: dict[str, tuple[str, ...]]
    subjects: tuple[Subject, ...]

    @model_validator(mode="after")
    def _complete(self) -> RegionsFile:
        codes = [subject.code for subject in self.subjects]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"subject codes repeated: {', '.join(repeated)}")
        if len(codes) != SUBJECT_COUNT:
            raise ValueError(f"expected {SUBJECT_COUNT} federal subjects, found {len(codes)}")
        variants = [fold(v) for values in self.designator_synonyms.values() for v in values]
        if len(variants) != len(set(variants)):
            raise ValueError("a designator variant is listed under two canonical words")
        return self

    def synonyms(self) -> dict[str, str]:
        """Each designator variant, folded, mapped to its canonical word."""
        return {
            fold(variant): fold(canonical)
            for canonical, variants in self.designator_synonyms.items()
            for variant in (canonical, *variants)
        }


class Country(Settlement):
    code: str = Field(pattern=COUNTRY_CODE)
    cities: tuple[Settlement, ...] = ()


class Currency(Entry):
    code: str = Field(pattern=CURRENCY_CODE)
    symbols: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


class CountriesFile(Entry):
    countries: tuple[Country, ...]
    currencies: tuple[Currency, ...]

    @model_validator(mode="after")
    def _unique(self) -> CountriesFile:
        for label, items in (
            ("country codes", [country.code for country in self.countries]),
            ("currency codes", [currency.code for currency in self.currencies]),
            ("currency symbols", [s for currency in self.currencies for s in currency.symbols]),
        ):
            repeated = sorted({item for item in items if items.count(item) > 1})
            if repeated:
                raise ValueError(f"{label} repeated: {', '.join(repeated)}")
        return self


def load_regions(path: Path = REGIONS_PATH) -> RegionsFile:
    return load_yaml_model(path, RegionsFile, GazetteerError)


def load_countries(path: Path = COUNTRIES_PATH) -> CountriesFile:
    return load_yaml_model(path, CountriesFile, GazetteerError)


# --- locations --------------------------------------------------------------------------------


class LocationKind(StrEnum):
    REGION = "region"  # a federal subject of Russia
    COUNTRY = "country"
    CITY = "city"
    PLACE = "place"  # a district, campus or science town that is not a city of its own


class Location(Record):
    """What a place mention stands for. ``code`` is what analysts count by: the federal
    subject (ISO 3166-2:RU) for anything in Russia, else the country (ISO 3166-1 alpha-2)."""

    kind: LocationKind
    code: str
    name: str
    name_en: str
    country_code: str = Field(pattern=COUNTRY_CODE)
    region_code: str | None = Field(default=None, pattern=SUBJECT_CODE)

    @model_validator(mode="after")
    def _code_is_the_finest(self) -> Location:
        if self.code != (self.region_code or self.country_code):
            raise ValueError(f"code {self.code} must be the region code, else the country code")
        return self


# Equal names resolve in this order; "Москва" the federal subject outranks any city of that name.
KIND_RANK = {
    LocationKind.REGION: 0,
    LocationKind.COUNTRY: 1,
    LocationKind.CITY: 2,
    LocationKind.PLACE: 3,
}


def _location(kind: LocationKind, named: Settlement, country: str, region: str | None) -> Location:
    return Location(
        kind=kind,
        code=region or country,
        name=named.name_ru,
        name_en=named.name_en,
        country_code=country,
        region_code=region,
    )


def _add_named(index: PhraseIndex[Location], named: Settlement, location: Location) -> None:
    rank = KIND_RANK[location.kind]
    for name in named.names:
        index.add(name, location, rank=rank)
    for adjective in named.adjectives:
        index.add(adjective, location, weak=True, needs_capital=False, rank=rank)


def build_location_index(regions: RegionsFile, countries: CountriesFile) -> PhraseIndex[Location]:
    index: PhraseIndex[Location] = PhraseIndex(regions.synonyms())
    for subject in regions.subjects:
        _add_named(index, subject, _location(LocationKind.REGION, subject, "RU", subject.code))
        for city in subject.cities:
            _add_named(index, city, _location(LocationKind.CITY, city, "RU", subject.code))
        for place in subject.places:
            _add_named(index, place, _location(LocationKind.PLACE, place, "RU", subject.code))
    for country in countries.countries:
        _add_named(index, country, _location(LocationKind.COUNTRY, country, country.code, None))
        for city in country.cities:
            _add_named(index, city, _location(LocationKind.CITY, city, country.code, None))
    return index


def build_currency_index(currencies: Iterable[Currency]) -> PhraseIndex[str]:
    index: PhraseIndex[str] = PhraseIndex()
    for currency in currencies:
        for name in (currency.code, *currency.names):
            index.add(name, currency.code, needs_capital=False)
    return index


@cache
def location_index() -> PhraseIndex[Location]:
    return build_location_index(load_regions(), load_countries())


@cache
def currency_index() -> PhraseIndex[str]:
    return build_currency_index(load_countries().currencies)


@cache
def currency_symbols() -> tuple[tuple[str, str], ...]:
    """(symbol, ISO 4217 code) pairs, longest symbol first, so "US$" is tried before "$"."""
    pairs = [(s, c.code) for c in load_countries().currencies for s in c.symbols]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))
