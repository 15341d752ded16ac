"""Words and lines: the shared shapes of the layout analysis (pure: no PDF library in here).

Every engine (pdfium, pdfplumber, Tesseract) hands a page over as words with boxes in PDF
points, origin top-left. This module groups them into rows and cuts the rows at wide gaps into
lines; ``columns`` puts the lines in reading order and ``paragraphs`` joins them into
paragraphs, so all engines read a page the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import NamedTuple

from cluster_nlp.ingest.settings import LayoutSettings, layout_settings


class Word(NamedTuple):
    """A word and its box (a tuple: pages hold hundreds of thousands of them)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _middle(values: list[float]) -> float:
    """The upper median: cheaper than ``statistics.median`` on the hot path of line building."""
    return sorted(values)[len(values) // 2]


@dataclass(frozen=True, slots=True)
class Line:
    """Words on one row, left to right: a whole line, or a segment of a row cut at a gutter."""

    words: tuple[Word, ...]
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # median word height: a font-size proxy
    middle: float  # median of the words' vertical middles: where the row runs, whatever the
    # tall glyphs (braces, operators of formulas) that stretch top and bottom

    @classmethod
    def of(cls, words: Iterable[Word]) -> Line:
        ordered = tuple(sorted(words, key=lambda word: word.x0))
        return cls(
            words=ordered,
            x0=min(word.x0 for word in ordered),
            top=min(word.top for word in ordered),
            x1=max(word.x1 for word in ordered),
            bottom=max(word.bottom for word in ordered),
            size=_middle([word.height for word in ordered]),
            middle=_middle([(word.top + word.bottom) / 2 for word in ordered]),
        )

    @classmethod
    def of_sorted(cls, words: list[Word], right: float) -> Line:
        """``Line.of`` for words already in order whose right edge is known (the hot path)."""
        return cls(
            words=tuple(words),
            x0=words[0].x0,
            top=min(word.top for word in words),
            x1=right,
            bottom=max(word.bottom for word in words),
            size=_middle([word.bottom - word.top for word in words]),
            middle=_middle([(word.top + word.bottom) / 2 for word in words]),
        )

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def width(self) -> float:
        return self.x1 - self.x0


def turn_upright(words: Iterable[Word], direction: str, width: float, height: float) -> list[Word]:
    """Words of a page turned sideways ("ttb": read downwards, first line on the right; "btt":
    read upwards, first line on the left) in the frame of the page turned upright."""
    if direction == "ttb":
        return [Word(w.text, w.top, width - w.x1, w.bottom, width - w.x0) for w in words]
    if direction == "btt":
        return [Word(w.text, height - w.bottom, w.x0, height - w.top, w.x1) for w in words]
    return list(words)


def turn_back(
    box: tuple[float, float, float, float], direction: str, width: float, height: float
) -> tuple[float, float, float, float]:
    """A box of the upright frame (see ``turn_upright``) back on the page as it is displayed."""
    x0, top, x1, bottom = box
    if direction == "ttb":
        return width - bottom, x0, width - top, x1
    if direction == "btt":
        return top, height - x1, bottom, height - x0
    return box


def is_vertical(word: Word) -> bool:
    """A word set top-down or bottom-up (a margin stamp, a rotated label): taller than wide."""
    return len(word.text) > 2 and word.height > 1.5 * (word.x1 - word.x0)


def build_lines(words: Iterable[Word], settings: LayoutSettings | None = None) -> list[Line]:
    """Group horizontal words into rows, then cut each row at wide gaps into segments, top to
    bottom. Vertical words are left out: ``vertical_lines`` reads them."""
    settings = settings or layout_settings()
    lines: list[Line] = []
    upright = (word for word in words if not is_vertical(word))
    for row in _rows(upright, settings.row_overlap, settings.tall_word):
        row.sort(key=lambda word: word.x0)
        gap_limit = settings.segment_gap_em * _middle([word.height for word in row])
        gaps = [right.x0 - left.x1 for left, right in pairwise(row)]
        if len(gaps) > 1:  # a justified line spreads all its spaces alike: only outliers split
            gap_limit = max(gap_limit, settings.segment_gap_ratio * max(min(gaps), 0.0))
        segment = [row[0]]
        reach = row[0].x1
        for word in row[1:]:
            if word.x0 - reach >= gap_limit:
                lines.append(Line.of_sorted(segment, reach))
                segment = []
                reach = word.x1
            segment.append(word)
            reach = max(reach, word.x1)
        lines.append(Line.of_sorted(segment, reach))
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def vertical_lines(words: Iterable[Word]) -> list[Line]:
    """Vertical words grouped by the strip they stand in, left to right, each read downwards."""
    strips: list[list[Word]] = []
    for word in sorted((word for word in words if is_vertical(word)), key=lambda word: word.x0):
        if strips and word.x0 < max(item.x1 for item in strips[-1]):
            strips[-1].append(word)
        else:
            strips.append([word])
    lines = []
    for strip in strips:
        strip.sort(key=lambda word: word.top)
        lines.append(
            Line(
                words=tuple(strip),
                x0=min(word.x0 for word in strip),
                top=strip[0].top,
                x1=max(word.x1 for word in strip),
                bottom=max(word.bottom for word in strip),
                size=median(word.x1 - word.x0 for word in strip),
                middle=median((word.x0 + word.x1) / 2 for word in strip),
            )
        )
    return lines


def _rows(words: Iterable[Word], overlap: float, tall: float) -> list[list[Word]]:
    """Words sharing a row. Each row keeps the band of its first word, so rows of two columns
    set half a line apart do not chain into one; a word taller than ``tall`` times the usual
    height (a big brace, an integral, a two-line formula) stands for a usual-height band around
    its middle, so that it cannot pull two lines into one row."""
    kept = [word for word in words if word.bottom > word.top and word.text.strip()]
    if not kept:
        return []
    usual = _middle([word.bottom - word.top for word in kept])
    rows: list[tuple[float, float, list[Word]]] = []
    open_rows: list[int] = []
    for word in sorted(kept, key=lambda word: (word.top, word.x0)):
        top, bottom = word.top, word.bottom
        if bottom - top > tall * usual:
            middle = (top + bottom) / 2
            top, bottom = middle - usual / 2, middle + usual / 2
        height = bottom - top
        if open_rows:  # most words belong to the row of the word before them
            row_top, row_bottom, members = rows[open_rows[-1]]
            if min(row_bottom, bottom) - max(row_top, top) >= overlap * min(
                row_bottom - row_top, height
            ):
                members.append(word)
                continue
        open_rows = [index for index in open_rows if rows[index][1] > top]
        best, best_share = None, overlap
        for index in open_rows:
            row_top, row_bottom, _ = rows[index]
            share = (min(row_bottom, bottom) - max(row_top, top)) / min(
                row_bottom - row_top, height
            )
            if share >= best_share:
                best, best_share = index, share
        if best is None:
            rows.append((top, bottom, [word]))
            open_rows.append(len(rows) - 1)
        else:
            rows[best][2].append(word)
    return [row for _, _, row in rows]
