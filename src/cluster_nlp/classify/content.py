"""Which passages of a document are prose worth scoring and showing as evidence.

A PDF's text layer brings more than prose: running heads, page numbers, stray punctuation
("./!", ")"), bare headings ("REFERENCES"), footnote URLs and reference-list entries. None of
them says anything about a cluster, and a model shown enough of them finds a label anyway.
They are removed before a document is scored, and so are never given as evidence. The rules
are data (``content`` in ``data/classify.yaml``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from cluster_nlp.classify.settings import ContentSettings

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


def _normal_heading(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def is_reference_heading(text: str, settings: ContentSettings) -> bool:
    stripped = re.sub(r"^[\W\d_]+", "", text.strip())  # "7. References", "## Литература"
    return _normal_heading(stripped) in settings.reference_headings


def is_prose(text: str, settings: ContentSettings) -> bool:
    """Whether a passage is prose: enough letters and words, mostly letters, not a URL, not
    a reference-list entry."""
    letters = sum(map(str.isalpha, text))
    visible = len(text) - sum(map(str.isspace, text))
    if letters < settings.min_letters or visible == 0:
        return False
    if letters / visible < settings.min_letter_share:
        return False
    if len(WORD.findall(text)) < settings.min_words:
        return False
    url_chars = sum(len(match) for match in URL.findall(text))
    if url_chars / max(len(text), 1) > settings.max_url_share:
        return False
    return not any(pattern.search(text) for pattern in _compiled(settings.reference_patterns))


def content_indices(passages: Sequence[str], settings: ContentSettings) -> list[int]:
    """Indices of the passages that are prose, the reference list (after its heading) cut."""
    end = len(passages)
    first_possible = max(1, math.ceil(len(passages) * settings.references_after_share))
    for index in range(first_possible, len(passages)):
        if is_reference_heading(passages[index], settings):
            end = index
            break
    return [index for index in range(end) if is_prose(passages[index], settings)]


def blocks_of(text: str) -> list[str]:
    """A text's blocks between blank lines (its paragraphs and headings), stripped."""
    return [block.strip() for block in text.split("\n\n") if block.strip()]


@lru_cache(maxsize=256)
def content_text(text: str, settings: ContentSettings) -> str:
    """The text's prose blocks, in order, separated by blank lines; a text none of whose
    blocks is prose is returned whole, so that nothing is scored on an empty string. Kept for
    the last few texts: tagging asks once per label group of the same document."""
    blocks = blocks_of(text)
    kept = [blocks[index] for index in content_indices(blocks, settings)]
    return "\n\n".join(kept) if kept else text
