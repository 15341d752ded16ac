"""Paragraphs from the lines of column blocks, with words hyphenated across lines rejoined (pure).

A line starts a paragraph after a taller gap, a change of type size, a first-line indent, a
list marker, or a short line that ended a sentence; a paragraph cut by a column or band break
is joined again when the next block starts in lower case. A paragraph cut by a page break in
the middle of a hyphenated word is joined again across the two pages (``join_page_breaks``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from cluster_nlp.ingest.hyphenation import join_lines
from cluster_nlp.ingest.layout import Line
from cluster_nlp.ingest.pages import Block
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
        if _same_size(last.size, line.size, settings):
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


def join_page_breaks(
    pages: Sequence[Sequence[Block]], settings: LayoutSettings | None = None
) -> list[list[Block]]:
    """The pages' blocks (running headers and footers already dropped), with a paragraph that a
    page break cut inside a hyphenated word made whole again: when the next page's first block
    starts in lower case and a block of the same type size near the end of the page before
    (footnotes in smaller type are stepped over) ends in a word part and a hyphen, the two are
    joined as lines are ("класте-" / "ризации" joins, "научно-" / "образовательной" keeps its
    hyphen) and the whole paragraph stays on the first page. A page with no blocks of its own
    (a picture, a page without a text layer) stops the continuation; one whose only block was
    such a continuation passes it on to the next page."""
    settings = settings or layout_settings()
    joined: list[list[Block]] = []
    previous: list[Block] | None = None  # the blocks of the last page that kept any
    for page in pages:
        blocks = list(page)
        if not blocks:
            previous = None
        elif (
            previous is not None
            and (head := _cut_by_page(previous, blocks[0], settings)) is not None
        ):
            first, rest = previous[head], blocks.pop(0)
            # A passage has one page and one box: the joined paragraph keeps the first page's.
            previous[head] = Block(join_lines(first.text, rest.text), first.bbox, first.size)
        joined.append(blocks)
        if blocks:
            previous = blocks
    return joined


def _cut_by_page(previous: list[Block], first: Block, settings: LayoutSettings) -> int | None:
    """The index of the block of ``previous`` (the page before) that the next page's ``first``
    block continues after a hyphen, if any: the latest one in the same type size."""
    if not _starts_lower(first.text):
        return None
    stop = max(len(previous) - settings.continuation_look_back, 0) - 1
    for index in range(len(previous) - 1, stop, -1):
        block = previous[index]
        if block.size is None or first.size is None or _same_size(block.size, first.size, settings):
            return index if _HYPHENATED.search(block.text) else None
    return None


def _same_size(one: float, other: float, settings: LayoutSettings) -> bool:
    return abs(one - other) <= settings.size_change * max(one, other)
