"""An organisation's acronym is the organisation wherever it recurs in the document.

Pipelines see one passage at a time, and natasha misses most acronyms standing alone, above
all mixed-case university names ("ОмГТУ", "ЮУрГУ") and Latin ones ("EIF"). Once any passage
tagged an acronym as an organisation (usually where the full name introduced it, "… (ОмГТУ)"),
its other whole-word occurrences in the document's passages are tagged too, unless a span is
already there. An acronym some passage tagged as something else is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

COMPONENT = "acronyms"
LABEL = "ORG"
MAX_LENGTH = 8

CharSpan = tuple[int, int, str]


def is_acronym(text: str) -> bool:
    """One word of two or more capitals, all letters: "РАЭК", "EIF", "ОмГТУ", "МИСиС"."""
    return (
        text.isalpha()
        and len(text) <= MAX_LENGTH
        and text[:1].isupper()
        and sum(char.isupper() for char in text) >= 2
    )


def recurring_acronyms(
    texts: Sequence[str], found: Sequence[Sequence[tuple]]
) -> list[list[CharSpan]]:
    """For each text (a passage of one document), the acronym mentions to add to ``found``,
    whose spans start with (start, end, label); anything after that is ignored."""
    labels: dict[str, set[str]] = {}
    for text, spans in zip(texts, found, strict=True):
        for start, end, label, *_ in spans:
            if is_acronym(text[start:end]):
                labels.setdefault(text[start:end], set()).add(label)
    acronyms = sorted(word for word, seen in labels.items() if seen == {LABEL})
    if not acronyms:
        return [[] for _ in texts]
    # Whole words only, not part of a compound ("ОмГТУ-шники").
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, acronyms)) + r")(?![\w-])")
    added = []
    for text, spans in zip(texts, found, strict=True):
        taken = [(span[0], span[1]) for span in spans]
        added.append(
            [
                (match.start(), match.end(), LABEL)
                for match in pattern.finditer(text)
                if not any(start < match.end() and match.start() < end for start, end in taken)
            ]
        )
    return added
