"""Words and lines: the shared shapes of the layout analysis (pure: no PDF library in here).

Every engine (pdfium, pdfplumber, Tesseract) hands a page over as words with boxes in PDF
points, origin top-left. This module groups them into rows and cuts the rows at wide gaps into
lines; ``columns`` puts the lines in reading order and ``paragraphs`` joins them into
paragraphs, so all engines read a page the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


_Band = tuple[float, float, list[Word]]  # top and bottom of a band, and the words in it
_Strip = tuple[float, float]  # left and right edges of a vertical strip of the page


def build_lines(words: Iterable[Word], settings: LayoutSettings | None = None) -> list[Line]:
    """Group horizontal words into rows, then cut each row at wide gaps into segments, top to
    bottom. Vertical words are left out: ``vertical_lines`` reads them."""
    settings = settings or layout_settings()
    upright = (word for word in words if not is_vertical(word))
    rows = _rows(upright, settings.row_overlap, settings.tall_word, settings.line_overlap)
    for row in rows:
        row.sort(key=lambda word: word.x0)
    lines = [line for index in range(len(rows)) for line in _segments(rows, index, settings)]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _segments(rows: list[list[Word]], index: int, settings: LayoutSettings) -> list[Line]:
    """Row ``index`` cut into segments: first at the wide gaps that open onto a column gutter
    (see ``_opens_on_gutter``), then each piece at the wide gaps that stand out among its own
    gaps. A justified line spreads all its spaces alike, loosely in a narrow column, so a
    piece's spaces are measured against each other, not against those across the gutter."""
    row = rows[index]
    height = _middle([word.height for word in row])
    wide = settings.segment_gap_em * height
    gaps = sorted(right.x0 - left.x1 for left, right in pairwise(row))
    # Wider than the row's usual word space (its lower median): a run of word spaces that
    # happen to line up (a river) is always narrower than the spaces themselves.
    width = max(settings.gutter_min_em * height, gaps[(len(gaps) - 1) // 2] if gaps else 0.0)
    pieces = _cut_at(
        row,
        lambda start, end: (
            end - start >= wide
            and _opens_on_gutter(rows, index, (start, end), width, settings.gutter_rows)
        ),
    )
    segments: list[Line] = []
    for piece in pieces:
        piece_gaps = [right.x0 - left.x1 for left, right in pairwise(piece)]
        outlier = wide
        if len(piece_gaps) > 1:
            outlier = max(wide, settings.segment_gap_ratio * max(min(piece_gaps), 0.0))
        for segment in _cut_at(piece, lambda start, end, limit=outlier: end - start >= limit):
            segments.append(Line.of_sorted(segment, max(word.x1 for word in segment)))
    return segments


def _cut_at(words: list[Word], cuts: Callable[[float, float], bool]) -> list[list[Word]]:
    """Words (left to right) cut at the gaps, from the right edge of the words before to the
    next word, that ``cuts`` accepts."""
    parts = [[words[0]]]
    reach = words[0].x1
    for word in words[1:]:
        if cuts(reach, word.x0):
            parts.append([])
            reach = word.x1
        parts[-1].append(word)
        reach = max(reach, word.x1)
    return parts


def _opens_on_gutter(
    rows: list[list[Word]], index: int, strip: _Strip, width: float, count: int
) -> bool:
    """Whether the gap ``strip`` of row ``index`` runs on as a gutter through ``count`` rows
    next to it (above, below, or both): each with text on both sides of a part of the strip at
    least ``width`` wide that no word enters. Loosely justified lines either side of a gutter
    space their words almost as widely as the gutter, so only the rows around tell them apart.
    A row with text on one side only (a column that ended) is no evidence either way."""
    above, free = _runs_through(reversed(rows[max(index - count, 0) : index]), [strip], width)
    below, _ = _runs_through(rows[index + 1 : index + 1 + count - above], free, width)
    return above + below >= count


def _runs_through(
    rows: Iterable[list[Word]], free: list[_Strip], width: float
) -> tuple[int, list[_Strip]]:
    """How many of ``rows``, in turn, the ``free`` parts of a strip run through as a gutter,
    and the parts still free after them."""
    passed = 0
    for row in rows:
        narrowed = free
        for word in row:
            narrowed = [
                part
                for start, end in narrowed
                for part in ((start, min(end, word.x0)), (max(start, word.x1), end))
                if part[1] - part[0] >= width
            ]
        narrowed = [
            (start, end)
            for start, end in narrowed
            if any(word.x1 <= start for word in row) and any(word.x0 >= end for word in row)
        ]
        if not narrowed:
            break
        free, passed = narrowed, passed + 1
    return passed, free


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


def _rows(
    words: Iterable[Word], overlap: float, tall: float, line_overlap: float
) -> list[list[Word]]:
    """Words sharing a row, in two passes: the words of each printed line (boxes equal but for
    rounding: ``line_overlap``) gather into a strand, then whole strands gather into rows.

    A line joins a row whole or not at all: a column set half a line off its neighbour
    overlaps the neighbour's rows by about ``overlap``, and word by word the rounding of a box
    (a hundredth of a point) would decide which words of a line join the neighbour's row,
    leaving sparse rows whose wide gaps no longer stand out at the gutter. Each row keeps the
    band of its first strand, so rows of two columns set half a line apart do not chain into
    one; a word taller than ``tall`` times the usual height (a big brace, an integral, a
    two-line formula) stands for a usual-height band around its middle, so that it cannot pull
    two lines into one row."""
    kept = [word for word in words if word.bottom > word.top and word.text.strip()]
    if not kept:
        return []
    usual = _middle([word.bottom - word.top for word in kept])
    bands: list[_Band] = []
    for word in sorted(kept, key=lambda word: (word.top, word.x0)):
        top, bottom = word.top, word.bottom
        if bottom - top > tall * usual:
            middle = (top + bottom) / 2
            top, bottom = middle - usual / 2, middle + usual / 2
        bands.append((top, bottom, [word]))
    strands = _gather(bands, line_overlap)
    return [members for _, _, members in _gather(strands, overlap)]


def _gather(bands: list[_Band], overlap: float) -> list[_Band]:
    """Bands (by top) merged into groups: a band joins the open group whose band (that of its
    first member) it overlaps most, by at least ``overlap`` of the smaller height."""
    groups: list[_Band] = []
    open_groups: list[int] = []
    for top, bottom, words in bands:
        height = bottom - top
        if open_groups:  # most bands belong to the group of the band before them
            group_top, group_bottom, members = groups[open_groups[-1]]
            if min(group_bottom, bottom) - max(group_top, top) >= overlap * min(
                group_bottom - group_top, height
            ):
                members.extend(words)
                continue
        open_groups = [index for index in open_groups if groups[index][1] > top]
        best, best_share = None, overlap
        for index in open_groups:
            group_top, group_bottom, _ = groups[index]
            share = (min(group_bottom, bottom) - max(group_top, top)) / min(
                group_bottom - group_top, height
            )
            if share >= best_share:
                best, best_share = index, share
        if best is None:
            groups.append((top, bottom, list(words)))
            open_groups.append(len(groups) - 1)
        else:
            groups[best][2].extend(words)
    return groups
