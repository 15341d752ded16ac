"""Language of texts as ISO 639-1 codes: a Cyrillic-share rule, then py3langid.

py3langid alone confuses short Russian passages with Serbian or Bulgarian and scores mojibake
as Malagasy; the share of Cyrillic letters decides the script robustly, and py3langid only has
to pick the language inside it. Cyrillic text without letters that Russian lacks is Russian,
without asking py3langid; Latin-script passages of one page share one py3langid call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from cluster_nlp.ingest.settings import LanguageSettings, language_settings

UNDETERMINED = "und"
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_NOT_CYRILLIC = re.compile(r"[^\u0400-\u04ff]+")
# Letters of Ukrainian, Belarusian, Serbian, Macedonian, Kazakh... that Russian does not use.
_NON_RUSSIAN_CYRILLIC = re.compile(r"[іїєґўђјљњћџѓќѕқғүұңһәөҳҷӣӯ]", re.IGNORECASE)
# py3langid's cost grows with the text; a few hundred characters decide a language reliably.
_SAMPLE_CHARS = 600


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def letter_count(text: str) -> int:
    return len(_NOT_LETTERS.sub("", text))


def _is_cyrillic(text: str, letters: int, settings: LanguageSettings) -> bool:
    return len(_NOT_CYRILLIC.sub("", text)) >= settings.cyrillic_share * letters


def _cyrillic_language(text: str, settings: LanguageSettings) -> str:
    if not _NON_RUSSIAN_CYRILLIC.search(text):
        return "ru"
    language, probability = _identifier().classify(text[:_SAMPLE_CHARS])
    if language in settings.cyrillic_languages and probability >= settings.min_probability:
        return language
    return "ru"


def _other_language(text: str, settings: LanguageSettings) -> str:
    language, probability = _identifier().classify(text[:_SAMPLE_CHARS])
    if language in settings.cyrillic_languages or probability < settings.min_probability / 3:
        return settings.latin_fallback
    return language


def detect(
    text: str, fallback: str = UNDETERMINED, settings: LanguageSettings | None = None
) -> str:
    """The language of ``text``, or ``fallback`` when it has too few letters to tell."""
    settings = settings or language_settings()
    letters = letter_count(text)
    if letters < settings.min_letters:
        return fallback
    if _is_cyrillic(text, letters, settings):
        return _cyrillic_language(text, settings)
    return _other_language(text, settings)


def detect_many(texts: Sequence[str], settings: LanguageSettings | None = None) -> list[str | None]:
    """Languages of the passages of one page; None for those too short to tell. Cyrillic
    passages are judged one by one, the others together (one page rarely mixes two languages
    of the same script, and py3langid is the costly part)."""
    settings = settings or language_settings()
    languages: list[str | None] = [None] * len(texts)
    others: list[int] = []
    for index, text in enumerate(texts):
        letters = letter_count(text)
        if letters < settings.min_letters:
            continue
        if _is_cyrillic(text, letters, settings):
            languages[index] = _cyrillic_language(text, settings)
        else:
            others.append(index)
    if others:
        shared = _other_language(" ".join(texts[index] for index in others), settings)
        for index in others:
            languages[index] = shared
    return languages
