"""Join two lines of a paragraph, rejoining a word hyphenated across the line break.

A hyphen at a line end is either a typesetter's break ("кластер-" / "изации") or part of a
compound that happened to fall there ("научно-" / "образовательной"). The rule, when the next
line starts in lower case:

- Cyrillic: join when the joined word is in the pymorphy3 dictionary; else keep the hyphen when the
  right part is a particle ("-то", "-нибудь") or a word of its own after a compound head (a known
  word, or one ending in "о"/"е"); otherwise join (word fragments are not words).
- Latin: join when pyphen's dictionary allows a break at that point ("infor-mation"), else keep.

Before a capital or a digit the hyphen stays without a space ("Санкт-" / "Петербург").
"""

from __future__ import annotations

import re
from functools import cache

import pymorphy3
import pyphen

from cluster_nlp.ingest.settings import hyphenation_settings

LINE_END_HYPHENS = ("-", "\u2010", "\u00ad")
_TRAILING_WORD = re.compile(r"([^\W\d_]+)$")
_LEADING_WORD = re.compile(r"^([^\W\d_]+)")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@cache
def _morphology() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@cache
def _latin_hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=hyphenation_settings().latin_dictionary)


def join_lines(left: str, right: str) -> str:
    """``left`` and ``right`` as one run of text."""
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return left + right
    if left.endswith(LINE_END_HYPHENS) and len(left) > 1 and left[-2].isalpha():
        stem = left[:-1]
        if right[0].islower():
            head = _TRAILING_WORD.search(stem)
            tail = _LEADING_WORD.match(right)
            if head and tail and keeps_hyphen(head.group(1), tail.group(1)):
                return f"{stem}-{right}"
            return stem + right
        if right[0].isupper() or right[0].isdigit():
            return f"{stem}-{right}"
    return f"{left} {right}"


def keeps_hyphen(head: str, tail: str) -> bool:
    """Whether ``head-`` at a line end and ``tail`` on the next line form a hyphenated compound."""
    settings = hyphenation_settings()
    head_lower, tail_lower = head.lower(), tail.lower()
    if _CYRILLIC.search(head_lower + tail_lower):
        morphology = _morphology()
        # A dictionary word wins over a particle: "поликлини-" / "ка" is "поликлиника".
        if morphology.word_is_known(head_lower + tail_lower):
            return False
        if tail_lower in settings.cyrillic_particles:
            return True
        if not morphology.word_is_known(tail_lower):
            return False
        return morphology.word_is_known(head_lower) or head_lower.endswith(
            tuple(settings.cyrillic_compound_endings)
        )
    breaks = _latin_hyphenator().positions(head_lower + tail_lower)
    return len(head_lower) not in breaks
