"""Text features that survive Russian inflection and do not memorise a corpus's phrasing.

Two views of the text: word uni- and bigrams over lemmas (pymorphy3 for Cyrillic words, a
light suffix rule for Latin ones), and character n-grams inside word boundaries. Digits are
folded and rare terms dropped, so figures and one-off names cannot become features.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import pymorphy3
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
CYRILLIC = re.compile(r"[а-яё]")
DIGITS = re.compile(r"\d+")
ENGLISH_SUFFIXES = ("ies", "es", "s", "ing", "ed", "ly")


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=300_000)
def lemma(word: str) -> str:
    word = word.lower()
    if CYRILLIC.search(word):
        return _morph().parse(word)[0].normal_form
    for suffix in ENGLISH_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def lemmatize(text: str) -> str:
    """The text as space-separated lemmas (the word view's preprocessor)."""
    return " ".join(lemma(word) for word in WORD.findall(text))


def fold_digits(text: str) -> str:
    """Lower case with every number folded to one digit (the character view's preprocessor)."""
    return DIGITS.sub("0", text.lower())


def text_features(min_df: int = 2, max_df: float = 0.9) -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "lemmas",
                TfidfVectorizer(
                    preprocessor=lemmatize,
                    token_pattern=r"(?u)\b\w[\w-]+\b",
                    ngram_range=(1, 2),
                    min_df=min_df,
                    max_df=max_df,
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=fold_digits,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=min_df,
                    max_df=max_df,
                    sublinear_tf=True,
                    max_features=60_000,
                ),
            ),
        ]
    )
