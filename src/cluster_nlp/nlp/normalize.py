"""Pure normalisers: the canonical value of a place, money, date or percentage mention.

Each takes the text of one mention (as an entity recogniser cut it) and returns a small frozen
record or ``None`` when the text holds no such value. Nothing here knows about spaCy.

Place decisions (documented once, tested in ``tests/nlp/test_normalize.py``):
- names match on lemmas, so any case form resolves ("Нижнем Новгороде" -> Нижний Новгород);
- a proper name needs a capitalised word: "Орёл" is the city (RU-ORL), "орёл" the bird (None);
- relational adjectives resolve in lower case ("новосибирского Академгородка" finds the
  Академгородок, "Московский инновационный кластер" finds Moscow) but lose to a name of the
  same length;
- a one-word name right after a first name, or a first name before a surname, is a person
  ("Иван Грозный", "Владимир Путин"), not a place.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from pydantic import Field

from cluster_nlp.nlp.gazetteer import (
    CYRILLIC,
    Location,
    LocationKind,
    PhraseMatch,
    Token,
    currency_index,
    currency_symbols,
    fold,
    has_grammeme,
    location_index,
    tokenize,
    word_forms,
)
from cluster_nlp.records import Record

__all__ = [
    "Location",
    "LocationKind",
    "LocationMention",
    "Money",
    "find_locations",
    "normalize_date",
    "normalize_location",
    "normalize_money",
    "normalize_percent",
]


class LocationMention(Record):
    """A place found in a longer text; ``start``/``end`` are character offsets into it."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    location: Location


class Money(Record):
    amount: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


# --- places -----------------------------------------------------------------------------------

FIRST_NAME = {"Name"}
FAMILY_NAME = {"Surn", "Patr"}


def _capitalised(token: Token) -> bool:
    return token.text[0].isupper()


def _is_person(match: PhraseMatch[Location], tokens: list[Token]) -> bool:
    """A one-word place name that reads as part of a person's name in this context."""
    if match.weak or match.end - match.start != 1:
        return False
    token = tokens[match.start]
    before = tokens[match.start - 1] if match.start > 0 else None
    after = tokens[match.end] if match.end < len(tokens) else None
    if before and before.segment == token.segment and _capitalised(before):
        if has_grammeme(before.text, FIRST_NAME, likeliest_only=True):
            return True
    if after and after.segment == token.segment and _capitalised(after):
        if has_grammeme(token.text, FIRST_NAME, likeliest_only=True):
            return has_grammeme(after.text, FAMILY_NAME)
    return False


def _location_matches(text: str) -> tuple[list[Token], list[PhraseMatch[Location]]]:
    tokens = tokenize(text)
    matches = location_index().find(tokens)
    return tokens, [match for match in matches if not _is_person(match, tokens)]


def find_locations(text: str) -> list[LocationMention]:
    """Every place named in ``text``, in order, longest names first where they overlap."""
    tokens, matches = _location_matches(text)
    mentions = []
    for match in matches:
        start, end = tokens[match.start].start, tokens[match.end - 1].end
        mentions.append(
            LocationMention(start=start, end=end, text=text[start:end], location=match.value)
        )
    return mentions


def normalize_location(text: str) -> Location | None:
    """The place a location mention names: its longest name, else its first adjective."""
    _, matches = _location_matches(text)
    if not matches:
        return None
    return min(matches, key=lambda match: match.priority).value


# --- numbers ----------------------------------------------------------------------------------

NUMBER = (
    r"(?<![\d.,])(?:"
    r"\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?:,\d+)?"  # 1 200 000 or 1 200,5: Russian grouping
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,200,000.5: English grouping
    r"|\d+(?:[.,]\d+)?"  # 14,3 or 14.3
    r")(?!\d)"
)
NUMBER_RE = re.compile(NUMBER)
# "12–15 %", "от 1 до 2 млрд рублей": one float cannot stand for a range, so these give None.
NUMBER_RANGE = re.compile(rf"{NUMBER}\s*%?\s*(?:[-–—]|\bдо\b|\bto\b)\s*{NUMBER}", re.IGNORECASE)
ENGLISH_GROUPING = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _decimal(raw: str) -> Decimal:
    """A number as written in Russian or English; "1,200" is read as English thousands."""
    compact = re.sub(r"[ \u00a0\u2009\u202f]", "", raw)
    if ENGLISH_GROUPING.fullmatch(compact):
        return Decimal(compact.replace(",", ""))
    return Decimal(compact.replace(",", "."))


# --- money ------------------------------------------------------------------------------------

# Powers of ten of scale words, by lemma or folded surface. Short forms only count right after
# a number ("€5m"); full words also stand alone ("свыше миллиарда долларов").
SCALE_WORDS = {
    "тысяча": 3, "миллион": 6, "миллиард": 9, "триллион": 12,
    "thousand": 3, "million": 6, "billion": 9, "trillion": 12,
}  # fmt: skip
SCALE_ABBREVIATIONS = {
    "тыс": 3, "млн": 6, "млрд": 9, "трлн": 12,
    "k": 3, "m": 6, "mn": 6, "mln": 6, "b": 9, "bn": 9, "bln": 9, "tn": 12, "trn": 12,
}  # fmt: skip
WORD_AFTER = re.compile(r"\s*([^\W\d_]+)")
SCALE_WORD = re.compile(r"[^\W\d_]+")


def _scale(word: str, *, after_number: bool) -> int | None:
    forms = word_forms(word)
    table = {**SCALE_WORDS, **SCALE_ABBREVIATIONS} if after_number else SCALE_WORDS
    powers = [table[form] for form in forms if form in table]
    return powers[0] if powers else None


def _amount(text: str) -> Decimal | None:
    """The first number followed by a scale word, else the first number, else a lone scale."""
    plain: Decimal | None = None
    for match in NUMBER_RE.finditer(text):
        number = _decimal(match.group())
        follower = WORD_AFTER.match(text, match.end())
        power = _scale(follower.group(1), after_number=True) if follower else None
        if power is not None:
            return number * 10**power
        if plain is None:
            plain = number
    if plain is not None:
        return plain
    for word in SCALE_WORD.findall(text):
        power = _scale(word, after_number=False)
        if power is not None:
            # "свыше миллиарда" is about one billion; "сотен миллионов", "millions of dollars"
            # name no amount at all, and a guess would be off by orders of magnitude.
            return None if _plural(word) else Decimal(10) ** power
    return None


def _plural(word: str) -> bool:
    """Whether a scale word stands in the plural ("миллионов", "millions")."""
    folded = fold(word)
    if CYRILLIC.search(folded):
        return has_grammeme(folded, {"plur"}, likeliest_only=True)
    return folded.endswith("s")


def _currency(text: str) -> str | None:
    """Named currencies first ("юаней" settles what "¥" leaves open), then symbols."""
    matches = currency_index().find(tokenize(text))
    if matches:
        return min(matches, key=lambda match: match.priority).value
    for symbol, code in currency_symbols():
        if symbol in text:
            return code
    return None


def normalize_money(text: str) -> Money | None:
    """Amount and currency: "$14,3 млрд" -> 14300000000 USD; a range gives None."""
    if NUMBER_RANGE.search(text):
        return None
    currency = _currency(text)
    amount = _amount(text) if currency else None
    if currency is None or amount is None:
        return None
    return Money(amount=float(amount), currency=currency)


# --- percentages ------------------------------------------------------------------------------

PERCENT = re.compile(
    rf"(?:(?<![\w.,])(?P<minus>[-−–]))?(?P<number>{NUMBER})\s*"
    r"(?:%|процент|проц\b|percent|per\s+cent|pct\b)",
    re.IGNORECASE,
)


def normalize_percent(text: str) -> float | None:
    """The value in percent: "0,5 %" -> 0.5, "-3%" -> -3.0; a range gives None."""
    match = PERCENT.search(text)
    if match is None or NUMBER_RANGE.search(text):
        return None
    value = float(_decimal(match["number"]))
    return -value if match["minus"] else value


# --- dates ------------------------------------------------------------------------------------

MONTH_LEMMAS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6,
    "июль": 7, "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
MONTH_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
FIRST_YEAR, LAST_YEAR = 1800, 2199  # a four-digit number outside this is not read as a year

MONTH = r"([^\W\d_]+)\.?"
YEAR = r"(?<![\d.,])(\d{4})(?![\d,]|\.\d)"
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
DOTTED_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
DAY_MONTH_YEAR = re.compile(rf"(?<![\d.])(\d{{1,2}})\s+{MONTH},?\s+{YEAR}")
MONTH_DAY_YEAR = re.compile(rf"{MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{YEAR}")
MONTH_YEAR = re.compile(rf"{MONTH},?\s+{YEAR}")
YEAR_RANGE = re.compile(rf"{YEAR}\s*(?:[-–—]|по|до|to|until|through)\s*{YEAR}", re.IGNORECASE)
DECADE = re.compile(r"(?<!\d)(\d{3}0)(?:-?е|-?х|-?ые|-?ых|'?s)(?!\w)")
LONE_YEAR = re.compile(YEAR)


def _month(word: str) -> int | None:
    folded = fold(word)
    if folded in MONTH_ABBREVIATIONS:
        return MONTH_ABBREVIATIONS[folded]
    months = [MONTH_LEMMAS[form] for form in word_forms(word) if form in MONTH_LEMMAS]
    return months[0] if months else None


def _year(raw: str) -> int | None:
    year = int(raw)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _iso(year: int | None, month: int | None, day: int) -> str | None:
    if year is None or month is None:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _full_date(text: str) -> str | None:
    for match in ISO_DATE.finditer(text):
        found = _iso(_year(match[1]), int(match[2]), int(match[3]))
        if found:
            return found
    for match in DOTTED_DATE.finditer(text):
        found = _iso(_year(match[3]), int(match[2]), int(match[1]))
        if found:
            return found
    for match in DAY_MONTH_YEAR.finditer(text):
        found = _iso(_year(match[3]), _month(match[2]), int(match[1]))
        if found:
            return found
    for match in MONTH_DAY_YEAR.finditer(text):
        found = _iso(_year(match[3]), _month(match[1]), int(match[2]))
        if found:
            return found
    return None


def _partial_date(text: str) -> str | None:
    for match in YEAR_RANGE.finditer(text):
        first, last = _year(match[1]), _year(match[2])
        if first and last:
            return f"{first}/{last}" if first < last else None  # "2024-2019" is malformed
    for match in MONTH_YEAR.finditer(text):
        year, month = _year(match[2]), _month(match[1])
        if year and month:
            return f"{year}-{month:02d}"
    for match in DECADE.finditer(text):
        start = _year(match[1])
        if start:
            return f"{start}/{start + 9}"
    for match in LONE_YEAR.finditer(text):
        year = _year(match[1])
        if year:
            return str(year)
    return None


def normalize_date(text: str) -> str | None:
    """ISO 8601, as precise as the text: "2021-07-21", "2023-03", "2019", or a range
    "2019/2024" ("2019-2024 годы", "1990-е"). Of several dates, the most precise wins."""
    return _full_date(text) or _partial_date(text)
