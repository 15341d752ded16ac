"""Reading order: the lines of a page as column blocks, read one after the other (pure).

Columns are found by a recursive cut: a region splits at empty vertical strips (gutters) into
columns read left to right; when full-width lines (a title, a caption, a running header) or
table cells cross a gutter, the region first splits into horizontal bands at those lines, and
each band is cut again. Lines of two columns are therefore never interleaved.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from cluster_nlp.ingest.layout import Line
from cluster_nlp.ingest.settings import LayoutSettings, layout_settings


def reading_order(
    lines: Sequence[Line], settings: LayoutSettings | None = None
) -> list[list[Line]]:
    """Blocks of lines in reading order; each block is one column piece, read top to bottom,
    with the segments of one row inside it merged back into a single line."""
    settings = settings or layout_settings()
    return [_merge_rows(block, settings.row_overlap) for block in _cut(list(lines), settings, 0)]


def _cut(lines: list[Line], settings: LayoutSettings, depth: int) -> list[list[Line]]:
    if len(lines) <= 1 or depth >= settings.max_cut_depth:
        return [lines] if lines else []
    parts = _split_at_gutters(lines, settings) or _split_into_bands(lines, settings)
    if not parts:
        return [lines]
    return [block for part in parts for block in _cut(part, settings, depth + 1)]


def _gutters(
    lines: Sequence[Line],
    x0: float,
    x1: float,
    em: float,
    settings: LayoutSettings,
    blockers: int = 0,
) -> list[tuple[float, float]]:
    """Vertical strips crossed by at most ``blockers`` lines, lying between text on both sides,
    wide enough for a gutter and leaving a wide enough column on each side."""
    events = sorted([(line.x0, 1) for line in lines] + [(line.x1, -1) for line in lines])
    strips: list[tuple[float, float]] = []
    covered, run_start, seen_text = 0, None, False
    for x, change in events:
        was_open = covered <= blockers
        covered += change
        if was_open and covered > blockers:
            if run_start is not None and seen_text and x - run_start >= settings.gutter_min_em * em:
                strips.append((run_start, x))
            seen_text = True
        elif not was_open and covered <= blockers:
            run_start = x
    min_column = settings.min_column_share * (x1 - x0)
    merged: list[tuple[float, float]] = []
    for start, end in strips:
        if merged and start - merged[-1][1] < min_column:  # an island (a page number) in a gutter
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    gutters: list[tuple[float, float]] = []
    left_edge = x0
    for index, (start, end) in enumerate(merged):
        right_edge = merged[index + 1][0] if index + 1 < len(merged) else x1
        if start - left_edge >= min_column and right_edge - end >= min_column:
            gutters.append((start, end))
            left_edge = end
    return gutters


def _columns(lines: Sequence[Line], gutters: Sequence[tuple[float, float]]) -> list[list[Line]]:
    columns: list[list[Line]] = [[] for _ in range(len(gutters) + 1)]
    for line in lines:
        centre = (line.x0 + line.x1) / 2
        columns[sum(centre > start for start, _ in gutters)].append(line)
    return [column for column in columns if column]


def _split_at_gutters(lines: list[Line], settings: LayoutSettings) -> list[list[Line]] | None:
    if all(_same_row(lines[0], line, settings.row_overlap) for line in lines[1:]):
        return None  # one row read left to right already: splitting would only cut paragraphs
    em = median(line.size for line in lines)
    x0, x1 = min(line.x0 for line in lines), max(line.x1 for line in lines)
    gutters = _gutters(lines, x0, x1, em, settings)
    columns = _columns(lines, gutters) if gutters else []
    return columns if len(columns) > 1 else None


def _split_into_bands(lines: list[Line], settings: LayoutSettings) -> list[list[Line]] | None:
    """Cut a region whose gutter is crossed by full-width lines into bands at those lines."""
    x0, x1 = min(line.x0 for line in lines), max(line.x1 for line in lines)
    narrow = [line for line in lines if line.width <= settings.spanning_share * (x1 - x0)]
    if len(narrow) < 2 * settings.min_column_lines:
        return None
    em = median(line.size for line in narrow)
    blockers = int(settings.blocker_share * len(narrow))
    min_width = settings.gutter_min_em * em
    gutters = [
        _free_core(narrow, gutter, min_width)
        for gutter in _gutters(narrow, x0, x1, em, settings, blockers)
    ]
    if not gutters:
        return None
    columns = _columns([line for line in narrow if not _intrudes(line, gutters)], gutters)
    if len(columns) < 2 or min(len(column) for column in columns) < settings.min_column_lines:
        return None
    cuts = sorted((line for line in lines if _intrudes(line, gutters)), key=lambda line: line.top)
    if not cuts:
        return None
    # Key 2k+1 is the k-th spanning line, key 2k the lines between spanning lines k-1 and k.
    keyed: dict[int, list[Line]] = {}
    crossing = {id(line) for line in cuts}
    for index, line in enumerate(cuts):
        keyed.setdefault(2 * index + 1, []).append(line)
    for line in lines:
        if id(line) not in crossing:
            centre = (line.top + line.bottom) / 2
            above = sum((cut.top + cut.bottom) / 2 < centre for cut in cuts)
            keyed.setdefault(2 * above, []).append(line)
    bands: list[list[Line]] = []
    previous_key = None
    for key in sorted(keyed):
        joins_spanning_run = key % 2 and previous_key is not None and previous_key == key - 2
        if joins_spanning_run:
            bands[-1].extend(keyed[key])
        else:
            bands.append(keyed[key])
        previous_key = key
    return bands if len(bands) > 1 else None


def _free_core(
    lines: Sequence[Line], gutter: tuple[float, float], min_width: float
) -> tuple[float, float]:
    """The widest part of ``gutter`` that no line enters, if one is wide enough. A strip allowed
    a few crossing lines also widens over the ragged ends of column lines, and the longest of
    them would then fill over half of it and cut the columns into bands at its row."""
    free = [gutter]
    for line in lines:
        free = [
            part
            for start, end in free
            for part in ((start, min(end, line.x0)), (max(start, line.x1), end))
            if part[1] - part[0] >= min_width
        ]
    return max(free, key=lambda part: part[1] - part[0], default=gutter)


def _intrudes(line: Line, gutters: Sequence[tuple[float, float]]) -> bool:
    """Whether ``line`` fills over half of a gutter: it spans it, or juts far into it (a table
    cell). A ragged column line that only reaches a little into the strip does not count."""
    return any(
        min(line.x1, end) - max(line.x0, start) > (end - start) / 2 for start, end in gutters
    )


def _same_row(a: Line, b: Line, overlap: float) -> bool:
    """Whether two lines run on one row: their middles are closer than boxes of their usual
    heights overlapping by ``overlap`` would be."""
    return abs(a.middle - b.middle) <= (1 - overlap) * min(a.size, b.size)


def _merge_rows(block: list[Line], overlap: float) -> list[Line]:
    merged: list[Line] = []
    # By middle, not top: a tall glyph stretches a line's top above the line before it.
    for line in sorted(block, key=lambda line: (line.middle, line.x0)):
        if merged and _same_row(merged[-1], line, overlap):
            merged[-1] = Line.of(merged[-1].words + line.words)
            continue
        merged.append(line)
    return merged
