"""Paragraphs from the lines of column blocks, with words hyphenated across lines rejoined (pure).

A line starts a paragraph after a taller gap, a change of type size, a first-line indent, a
list marker, or a short line that ended a sentence; a paragraph cut by a column or band break
is joined again when the next block starts in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from cluster_nlp.ingest.hyphenation import join_lines
from cluster_nlp.ingest.layout import Line
from cluster_nlp.ingest.settings import LayoutSettings, layout_settings


@dataclass(frozen=True, slots=True)
class Paragraph:
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        text = self.lines[0].text
        for line in self.lines[1:]:
            text = join_lines(text, line.text)
        return text

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (
            min(line.x0 for line in self.lines),
            min(line.top for line in self.lines),
            max(line.x1 for line in self.lines),
            max(line.bottom for line in self.lines),
        )

    @property
    def size(self) -> float:
        return median(line.size for line in self.lines)


_HYPHENATED = re.compile(r"[^\W\d_][-\u00ad\u2010]$")
_TERMINAL = re.compile(r"[.!?:;…»\"”)]$")
_LIST_ITEM = re.compile(r"^(?:[•▪●◦■□–—*-]\s|\d{1,2}[.)]\s|[a-zа-я][)]\s|\(\d{1,2}\)\s)")


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def build_paragraphs(
    blocks: Sequence[Sequence[Line]], settings: LayoutSettings | None = None
) -> list[Paragraph]:
    """Paragraphs of the blocks in order. A paragraph cut by a column or band break is joined
    again when the next block starts in lower case and the paragraph did not end a sentence;
    footnotes in smaller type between the two parts are stepped over (and so end up after the
    whole paragraph)."""
    settings = settings or layout_settings()
    paragraphs: list[list[Line]] = []
    for block in blocks:
        if not block:
            continue
        groups = _block_paragraphs(block, settings)
        head = _continued(paragraphs, groups[0][0], settings)
        if head is not None:
            paragraphs[head].extend(groups.pop(0))
        paragraphs.extend(list(group) for group in groups)
    return [Paragraph(tuple(lines)) for lines in paragraphs]


def _continued(paragraphs: list[list[Line]], line: Line, settings: LayoutSettings) -> int | None:
    """The index of the paragraph that ``line`` (the first of a block) continues, if any: the
    latest one set in the same size, when it does not end a sentence."""
    if not _starts_lower(line.text):
        return None
    stop = max(len(paragraphs) - settings.continuation_look_back, 0) - 1
    for index in range(len(paragraphs) - 1, stop, -1):
        last = paragraphs[index][-1]
        if abs(last.size - line.size) <= settings.size_change * max(last.size, line.size):
            return None if _TERMINAL.search(last.text) else index
    return None


def _block_paragraphs(block: Sequence[Line], settings: LayoutSettings) -> list[list[Line]]:
    left = min(line.x0 for line in block)
    right = max(line.x1 for line in block)
    em = median(line.size for line in block)
    gaps = [line.top - previous.bottom for previous, line in pairwise(block)]
    typical = median(gaps) if gaps else 0.0
    groups = [[block[0]]]
    for previous, line in pairwise(block):
        if _breaks(previous, line, left, right, em, typical, settings):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _breaks(
    previous: Line,
    line: Line,
    left: float,
    right: float,
    em: float,
    typical_gap: float,
    settings: LayoutSettings,
) -> bool:
    """Whether ``line`` starts a new paragraph after ``previous`` in the same block."""
    if _HYPHENATED.search(previous.text) and _starts_lower(line.text):
        return False  # a word broken across the two lines: whatever the formulas around it
    if line.top - previous.bottom > typical_gap + settings.paragraph_gap_em * em:
        return True
    if abs(line.size - previous.size) > settings.size_change * max(line.size, previous.size):
        return True
    text = line.text
    if _LIST_ITEM.match(text):
        return True
    if _starts_lower(text):
        return False
    indent = line.x0 - left
    if (
        indent >= settings.indent_em * em
        and indent > previous.x0 - left + settings.indent_em * em / 2
    ):
        return True
    short = previous.x1 < left + settings.short_line_share * (right - left)
    return short and not previous.text.endswith((",", "-", "\u00ad"))
