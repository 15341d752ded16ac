"""How far a page's text layer can be trusted, and the one damage that can be undone (pure).

Signals: the share of letters, of ``(cid:N)`` placeholders, of replacement, private-use and
control characters, and of malformed Latin tokens. The last catches look-alike mojibake: a
Russian scan OCRed as Latin ("Hanoroo6no>KeHVIS'I" for "налогообложения"), or fonts whose
codes map to the wrong letters ("3HQČåQt"), where case flips inside words and digits or symbols
sit between letters far more often than in any real language.

cp1251 text read as Latin-1 ("Óñëîâíîå") is repaired, not OCRed: every such byte maps back to
one Cyrillic letter.
"""

from __future__ import annotations

import re

from cluster_nlp.ingest.settings import QualitySettings, quality_settings
from cluster_nlp.records import PageQuality

_CID = re.compile(r"\(cid:\d+\)")
# Character classes are counted by deleting everything else (runs of it, in one pass each):
# much cheaper than matching every character one by one.
_NOT_CYRILLIC = re.compile(r"[^\u0400-\u04ff]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_SPACE = re.compile(
    r"[\S\x1c-\x1f]+"
)  # Python counts \x1c-\x1f as space; fonts map glyphs there
_NOT_PUNCTUATION = re.compile(
    r"[^!-/:-@\[-`{-~\u00a1-\u00bf\u2010-\u2027\u2030-\u205e\u3000-\u303f]+"
)
_NOT_PRIVATE_USE = re.compile("[^\ue000-\uf8ff\U000f0000-\U0010ffff]+")
_NOT_CONTROL = re.compile("[^\x00-\x08\x0e-\x1f\x7f-\x9f]+")
# Tokens with at least four Latin letters: formulas ("bX", "R2", "y=a+b") stay out of the count.
_LATIN_TOKEN = re.compile(r"\S*(?:[A-Za-z]\S*){4,}")
_MALFORMED = re.compile(
    r"[a-z][A-Z]{2}"  # two capitals after a small letter: "noJI", "CyMMa", "KeHVIS"
    r"|[A-Z][a-z][A-Z][a-z][A-Z]"  # case flipping letter by letter: "MeHeH"
    r"|[a-z]\d+[a-z]"  # digits between small letters: "Hanoroo6no", "ynpo111eHHOali"
    r"|[A-Za-z][<>|~{}\"]+[A-Za-z]"  # symbols between letters: "nnaTe>Ka" (not "$" of R code)
)
_NOT_LATIN_LETTER = re.compile(r"[^A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")
_NOT_LATIN_VOWEL = re.compile(
    r"[^aeiouyAEIOUY\u00c0-\u00c6\u00c8-\u00cf\u00d2-\u00d6\u00d8-\u00dd\u00e0-\u00e6\u00e8-\u00ef\u00f2-\u00f6\u00f8-\u00fd\u00ff]+"
)
_LATIN_SAMPLE_CHARS = 3000
_CP1251_LETTERS = "\u00c0-\u00ff\u00a8\u00b8"
_CP1251_WORD = re.compile(rf"(?<![^\W\d_])[{_CP1251_LETTERS}]{{3,}}(?![^\W\d_])")
_CP1251_RUN = re.compile(rf"(?<![^\W\d_])[{_CP1251_LETTERS}]+(?![^\W\d_])")
_CP1251 = {code: bytes([code]).decode("cp1251") for code in [*range(0xC0, 0x100), 0xA8, 0xB8]}


def is_cp1251_mojibake(text: str, settings: QualitySettings | None = None) -> bool:
    """Whether ``text`` holds enough whole words of Latin-1 letters to be cp1251 misread."""
    settings = settings or quality_settings()
    return len(_CP1251_WORD.findall(text)) >= settings.cp1251_min_words


def repair_cp1251(text: str) -> str:
    """Decode runs of Latin-1 letters standing alone (not inside a Latin word) as cp1251."""
    return _CP1251_RUN.sub(lambda match: match.group().translate(_CP1251), text)


def lookalike_share(tokens: list[str]) -> float:
    """Share of malformed tokens among word-like Latin tokens (see ``latin_tokens``)."""
    if not tokens:
        return 0.0
    return sum(bool(_MALFORMED.search(token)) for token in tokens) / len(tokens)


def vowel_share(tokens: list[str]) -> tuple[float, int]:
    """Share of vowels among the Latin letters of ``tokens``, and the number of those letters.
    Languages written in Latin script keep it near 0.3-0.45; shifted glyph codes do not."""
    joined = " ".join(tokens)
    letters = _count(_NOT_LATIN_LETTER, joined)
    if not letters:
        return 0.0, 0
    return _count(_NOT_LATIN_VOWEL, joined) / letters, letters


def latin_tokens(text: str) -> list[str]:
    """Tokens with at least four Latin letters, from the start of ``text`` (a sample is enough
    for these shares, and the token search is the costly part of grading)."""
    return _LATIN_TOKEN.findall(text[:_LATIN_SAMPLE_CHARS])


def grade(
    text: str, repaired: bool = False, settings: QualitySettings | None = None
) -> PageQuality:
    """Grade a page's text: 1.0 is clean, below ``min_grade`` the text layer is not usable."""
    settings = settings or quality_settings()
    placeholders = len(_CID.findall(text))
    text = _CID.sub(" ", text)
    nonspace = len(text) - _count(_NOT_SPACE, text) + placeholders
    letters = _count(_NOT_LETTER, text)
    cyrillic = _count(_NOT_CYRILLIC, text)
    # Punctuation (dot leaders of a table of contents) does not dilute the letters.
    counted = nonspace - _count(_NOT_PUNCTUATION, text)
    counts = {
        "replacement": text.count("\ufffd"),
        "private": _count(_NOT_PRIVATE_USE, text),
        "control": _count(_NOT_CONTROL, text),
    }
    letter_ratio = letters / counted if counted > 0 else 0.0
    tokens = latin_tokens(text)
    lookalike, judged = lookalike_share(tokens), len(tokens) >= settings.lookalike_min_tokens
    vowels, latin_letters = vowel_share(tokens)
    if latin_letters >= settings.vowel_min_letters and vowels < settings.min_vowel_share:
        lookalike, judged = 1.0, True
    badness = {
        "cid_placeholders": _badness(
            placeholders / max(placeholders + letters, 1), settings.cid_share
        ),
        "replacement_chars": _badness(
            counts["replacement"] / max(nonspace, 1), settings.replacement_share
        ),
        "private_use_chars": _badness(
            counts["private"] / max(nonspace, 1), settings.private_use_share
        ),
        "control_chars": _badness(counts["control"] / max(nonspace, 1), settings.control_share),
        "lookalike_latin": _badness(lookalike, settings.lookalike_share) if judged else 0.0,
        "low_letter_ratio": min(1.0, max(0.0, 1 - letter_ratio / settings.low_letter_ratio))
        if nonspace
        else 0.0,
    }
    issues = [name for name, value in badness.items() if value >= 0.5]
    if letters < settings.min_letters:
        issues.append("few_letters")
    return PageQuality(
        grade=round(1.0 - max(badness.values()), 3),
        letters=letters,
        letter_ratio=round(letter_ratio, 3),
        cyrillic_ratio=round(cyrillic / letters, 3) if letters else 0.0,
        issues=tuple(issues),
        repaired=repaired,
    )


def _count(others: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` are not matched by ``others``."""
    return len(others.sub("", text))


def _badness(share: float, threshold: float) -> float:
    """0 for none, 0.5 at the threshold, 1 at twice the threshold."""
    return min(1.0, share / (2 * threshold))


def is_usable(quality: PageQuality, settings: QualitySettings | None = None) -> bool:
    settings = settings or quality_settings()
    return quality.grade >= settings.min_grade and quality.letters >= settings.min_letters


def is_damaged(quality: PageQuality) -> bool:
    """Whether the text is there but wrong, as opposed to sparse or mostly numbers."""
    return any(issue not in ("few_letters", "low_letter_ratio") for issue in quality.issues)
