"""Ruled tables from drawn lines and positioned words (pure: no PDF library in here).

The fast engine has no table finder of its own: it hands over the page's horizontal and vertical
ruling lines, and this module snaps them into grids, reads each cell's words and keeps the grids
that hold data. Cells merged across a missing rule are ``None``, as pdfplumber reports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from cluster_nlp.ingest.layout import Word, build_lines
from cluster_nlp.ingest.settings import TableSettings, table_settings


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal (``at`` is y) or vertical (``at`` is x) line from ``start`` to ``end``."""

    horizontal: bool
    at: float
    start: float
    end: float


@dataclass(frozen=True)
class GridTable:
    bbox: tuple[float, float, float, float]
    cells: list[list[str | None]] = field(default_factory=list)


def rule_from_segment(
    x0: float, y0: float, x1: float, y1: float, settings: TableSettings | None = None
) -> Rule | None:
    """The ruling line a straight drawn segment stands for, if it is long and axis-aligned."""
    settings = settings or table_settings()
    width, height = abs(x1 - x0), abs(y1 - y0)
    if height <= settings.rule_max_thickness and width >= settings.rule_min_length:
        return Rule(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1))
    if width <= settings.rule_max_thickness and height >= settings.rule_min_length:
        return Rule(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1))
    return None


def _merge(rules: Iterable[Rule], tolerance: float) -> list[Rule]:
    """Snap rules on (almost) the same line and join the pieces that touch."""
    merged: list[Rule] = []
    for rule in sorted(rules, key=lambda rule: (rule.at, rule.start)):
        joined = False
        for index in range(len(merged) - 1, -1, -1):
            other = merged[index]
            if rule.at - other.at > tolerance:
                break
            if rule.start <= other.end + tolerance and other.start <= rule.end + tolerance:
                merged[index] = Rule(
                    rule.horizontal,
                    (other.at + rule.at) / 2,
                    min(other.start, rule.start),
                    max(other.end, rule.end),
                )
                joined = True
                break
        if not joined:
            merged.append(rule)
    return merged


def _crosses(horizontal: Rule, vertical: Rule, tolerance: float) -> bool:
    return (
        horizontal.start - tolerance <= vertical.at <= horizontal.end + tolerance
        and vertical.start - tolerance <= horizontal.at <= vertical.end + tolerance
    )


def _components(
    horizontals: list[Rule], verticals: list[Rule], tolerance: float
) -> list[tuple[list[Rule], list[Rule]]]:
    parent = list(range(len(horizontals) + len(verticals)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for h_index, horizontal in enumerate(horizontals):
        for v_index, vertical in enumerate(verticals):
            if _crosses(horizontal, vertical, tolerance):
                parent[root(h_index)] = root(len(horizontals) + v_index)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for index, rule in enumerate(horizontals + verticals):
        group = groups.setdefault(root(index), ([], []))
        group[0 if rule.horizontal else 1].append(rule)
    return [group for group in groups.values() if group[0] and group[1]]


def _positions(values: Iterable[float], tolerance: float) -> list[float]:
    positions: list[float] = []
    for value in sorted(values):
        if not positions or value - positions[-1] > tolerance:
            positions.append(value)
    return positions


def _covered(rules: Sequence[Rule], at: float, point: float, tolerance: float) -> bool:
    return any(
        abs(rule.at - at) <= tolerance and rule.start - tolerance <= point <= rule.end + tolerance
        for rule in rules
    )


def find_grid_tables(
    rules: Iterable[Rule], words: Sequence[Word], settings: TableSettings | None = None
) -> list[GridTable]:
    """Tables formed by crossing ruling lines, top to bottom, with each cell's text."""
    settings = settings or table_settings()
    tolerance = settings.snap_tolerance
    rules = list(rules)
    horizontals = _merge((rule for rule in rules if rule.horizontal), tolerance)
    verticals = _merge((rule for rule in rules if not rule.horizontal), tolerance)
    tables = []
    for group_h, group_v in _components(horizontals, verticals, tolerance):
        ys = _positions((rule.at for rule in group_h), tolerance)
        xs = _positions((rule.at for rule in group_v), tolerance)
        if len(ys) - 1 < settings.min_rows or len(xs) - 1 < settings.min_columns:
            continue
        if _rule_coverage(xs, ys, group_h, group_v, tolerance) < settings.min_rule_coverage:
            continue
        table = _read_grid(xs, ys, group_h, group_v, words, tolerance)
        if is_data_table(table.cells, settings):
            tables.append(table)
    return sorted(tables, key=lambda table: (table.bbox[1], table.bbox[0]))


def _rule_coverage(
    xs: list[float],
    ys: list[float],
    horizontals: list[Rule],
    verticals: list[Rule],
    tolerance: float,
) -> float:
    """Share of the grid's cell edges that are drawn. A ruled table draws nearly all of them;
    fraction bars, brackets and underlines of a formula that happen to cross draw few."""
    middles_y = [(top + bottom) / 2 for top, bottom in pairwise(ys)]
    middles_x = [(left + right) / 2 for left, right in pairwise(xs)]
    edges = [_covered(verticals, x, y, tolerance) for x in xs for y in middles_y]
    edges += [_covered(horizontals, y, x, tolerance) for y in ys for x in middles_x]
    return sum(edges) / len(edges)


def _read_grid(
    xs: list[float],
    ys: list[float],
    horizontals: list[Rule],
    verticals: list[Rule],
    words: Sequence[Word],
    tolerance: float,
) -> GridTable:
    rows, columns = len(ys) - 1, len(xs) - 1
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for row in range(rows):
        middle_y = (ys[row] + ys[row + 1]) / 2
        for column in range(columns):
            middle_x = (xs[column] + xs[column + 1]) / 2
            if column and not _covered(verticals, xs[column], middle_y, tolerance):
                owner[row, column] = owner[row, column - 1]
            elif row and not _covered(horizontals, ys[row], middle_x, tolerance):
                owner[row, column] = owner[row - 1, column]
            else:
                owner[row, column] = (row, column)
    inside: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        centre_x, centre_y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        if not (xs[0] <= centre_x <= xs[-1] and ys[0] <= centre_y <= ys[-1]):
            continue
        column = min(sum(centre_x > x for x in xs[1:-1]), columns - 1)
        row = min(sum(centre_y > y for y in ys[1:-1]), rows - 1)
        inside.setdefault(owner[row, column], []).append(word)
    cells: list[list[str | None]] = []
    for row in range(rows):
        cells.append(
            [
                _cell_text(inside.get((row, column), []))
                if owner[row, column] == (row, column)
                else None
                for column in range(columns)
            ]
        )
    return GridTable(bbox=(xs[0], ys[0], xs[-1], ys[-1]), cells=cells)


def _cell_text(words: Sequence[Word]) -> str:
    return "\n".join(line.text for line in build_lines(words)) if words else ""


def is_data_table(
    cells: Sequence[Sequence[str | None]], settings: TableSettings | None = None
) -> bool:
    """Enough rows and columns, some text, and not a frame around running text."""
    settings = settings or table_settings()
    if (
        len(cells) < settings.min_rows
        or max((len(row) for row in cells), default=0) < settings.min_columns
    ):
        return False
    filled = [cell for row in cells for cell in row if cell and cell.strip()]
    if len(filled) < settings.min_filled_cells:
        return False
    words = sum(len(cell.split()) for cell in filled)
    return words / len(filled) <= settings.layout_table_words_per_cell


def outside_tables(
    words: Iterable[Word], boxes: Sequence[tuple[float, float, float, float]]
) -> list[Word]:
    """The words whose centre lies in none of the table boxes."""
    kept = []
    for word in words:
        centre_x, centre_y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        if not any(
            x0 <= centre_x <= x1 and top <= centre_y <= bottom for x0, top, x1, bottom in boxes
        ):
            kept.append(word)
    return kept
