"""Text features that survive Russian inflection and do not memorise a corpus's phrasing.

Three views of a text:

- word uni- and bigrams over lemmas (pymorphy3 for Cyrillic words, a light suffix rule for
  Latin ones). Digits never become words, capitalised words inside a sentence (names of
  places, clusters, companies, people) are dropped, and so are terms in fewer than two or in
  more than half of the training documents: what is left is how a text talks about a cluster,
  not which cluster it names;
- character n-grams inside the same words, lower-cased but not lemmatised (``char_wb``, same
  pruning): an inflected form, a word pymorphy3 does not know or an English word the suffix
  rule misses still shares most of its n-grams with the forms seen in training. Built from
  the words the word view keeps, they cannot spell out a name or a number either;
- counts of the taxonomy's cue phrases per label, the analysts' prior knowledge, which the
  model learns to trust label by label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import numpy as np
import pymorphy3
from sklearn.feature_extraction.text import TfidfVectorizer

from cluster_nlp.taxonomy import Taxonomy, cue_regex

# A word, or a sentence boundary (end punctuation or a line break) as a token of its own.
TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|[.!?…]|\n")
CYRILLIC = re.compile(r"[а-яё]")
ENGLISH_SUFFIXES = ("ies", "es", "s", "ing", "ed", "ly")
WORD_PATTERN = r"(?u)\b\w[\w-]+\b"


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


def _is_name(word: str) -> bool:
    """Capitalised but not an acronym: "Новосибирске", "Halden" (not "АНО", "AI-команды")."""
    head = word.split("-", 1)[0]
    return head[0].isupper() and not head.isupper()


def _kept_words(text: str) -> list[str]:
    """The text's words, without numbers and without names inside sentences."""
    words = []
    sentence_start = True
    for token in TOKEN.findall(text):
        if not token[0].isalpha():
            sentence_start = True
            continue
        if sentence_start or not _is_name(token):
            words.append(token)
        sentence_start = False
    return words


def lemmatize(text: str) -> str:
    """The text as space-separated lemmas, without names inside sentences (the word view)."""
    return " ".join(lemma(word) for word in _kept_words(text))


def surface_words(text: str) -> str:
    """The words the word view keeps, lower-cased as written (the character view)."""
    return " ".join(word.lower() for word in _kept_words(text))


def word_features(min_df: int = 2, max_df: float = 0.5) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=lemmatize,
        token_pattern=WORD_PATTERN,
        ngram_range=(1, 2),
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


def fit_word_features(texts: Sequence[str], min_df: int, max_df: float) -> TfidfVectorizer:
    return word_features(min_df, max_df).fit(texts)


def char_features(
    ngram_range: tuple[int, int], min_df: int = 2, max_df: float = 0.5
) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=surface_words,
        analyzer="char_wb",
        ngram_range=tuple(ngram_range),
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


def pack_vocabulary(vectorizer: TfidfVectorizer) -> tuple[np.ndarray, np.ndarray]:
    """A fitted view as two arrays: its terms (UTF-8, one per line) and their idf.

    A vocabulary dict written as JSON costs hundreds of bytes a term; these arrays cost a few.
    """
    names = vectorizer.get_feature_names_out()
    if any("\n" in name for name in names):
        raise ValueError("a term holds a line break, which the packed vocabulary separates on")
    terms = "\n".join(names).encode("utf-8")
    return np.frombuffer(terms, dtype=np.uint8).copy(), vectorizer.idf_.astype(np.float32)


def unpack_vocabulary(
    terms: np.ndarray, idf: np.ndarray, vectorizer: TfidfVectorizer
) -> TfidfVectorizer:
    """``vectorizer`` (unfitted, as the packed view was made) fitted as ``pack_vocabulary``
    packed it."""
    names = bytes(terms).decode("utf-8").split("\n") if len(terms) else []
    if len(names) != len(idf):
        raise ValueError(f"packed vocabulary has {len(names)} terms but {len(idf)} idf weights")
    vectorizer.vocabulary_ = {name: index for index, name in enumerate(names)}
    vectorizer.idf_ = idf.astype(np.float64)
    return vectorizer


@lru_cache(maxsize=4096)
def _pattern(cue: str) -> re.Pattern[str]:
    return cue_regex(cue)


def cue_counts(texts: Sequence[str], cues: Sequence[Sequence[str]]) -> np.ndarray:
    """Occurrences of each label's cue phrases in each text: shape (texts, labels).

    A cue's pattern runs only on a text holding its first word in lower case: most cues are
    absent from most passages, and a substring test costs far less than a regex search (a
    tenth of tagging's time went to searches that found nothing). Lower-casing is the
    pattern's own case rule but for a few compatibility letters (the Kelvin sign, the long s)
    that no cue is written with. Counts are remembered per text and cue set: tagging asks
    for the same passages' counts several times (the model, its evidence, the cue floor).
    """
    labels = tuple(tuple(label_cues) for label_cues in cues)
    counts = np.zeros((len(texts), len(labels)))
    for row, text in enumerate(texts):
        counts[row] = _text_cue_counts(text, labels)
    return counts


@lru_cache(maxsize=16384)
def _text_cue_counts(text: str, labels: tuple[tuple[str, ...], ...]) -> tuple[int, ...]:
    lowered = text.lower()
    return tuple(
        sum(len(_pattern(cue).findall(text)) for cue in label_cues if _first_word(cue) in lowered)
        for label_cues in labels
    )


@lru_cache(maxsize=4096)
def _first_word(cue: str) -> str:
    return cue.split()[0].lower()


def group_cues(taxonomy: Taxonomy, group: str) -> tuple[tuple[str, ...], ...]:
    """Each label's cue phrases, Russian and English, in the group's label order."""
    return tuple((*label.cues.ru, *label.cues.en) for label in taxonomy.group(group).labels)


def passage_spans(text: str, min_chars: int = 40) -> list[tuple[int, int, str]]:
    """A text's paragraphs (blocks between blank lines) with where each starts and ends in
    ``text``; a short block, such as a heading, joins the paragraph after it. A text without
    blank lines is one passage."""
    spans: list[tuple[int, int, str]] = []
    pending, pending_start, position = "", None, 0
    for raw in text.split("\n\n"):
        start = position + (len(raw) - len(raw.lstrip()))
        end = position + len(raw.rstrip())
        position += len(raw) + 2
        block = raw.strip()
        if not block:
            continue
        joined = f"{pending} {block}".strip()
        first = pending_start if pending_start is not None else start
        if len(block) < min_chars:
            pending, pending_start = joined, first
        else:
            spans.append((first, end, joined))
            pending, pending_start = "", None
    if pending:
        spans.append((pending_start, len(text.rstrip()), pending))
    return spans or [(0, len(text), text)]


def passages_of(text: str, min_chars: int = 40) -> list[str]:
    """A text's paragraphs (see ``passage_spans``)."""
    return [passage for _, _, passage in passage_spans(text, min_chars)]
