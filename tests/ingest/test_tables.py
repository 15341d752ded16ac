"""Ruled tables from drawn lines and words (pure)."""

from __future__ import annotations

import pytest

from cluster_nlp.ingest.layout import Word
from cluster_nlp.ingest.tables import (
    Rule,
    find_grid_tables,
    is_data_table,
    outside_tables,
    rule_from_segment,
)

XS = [50.0, 150.0, 250.0, 350.0]
YS = [100.0, 120.0, 140.0, 160.0]


def grid(xs=XS, ys=YS, skip=()) -> list[Rule]:
    """Every rule of a grid, minus the ``skip``ped (horizontal?, at, start, end) pieces."""
    rules = [Rule(True, y, xs[0], xs[-1]) for y in ys] + [Rule(False, x, ys[0], ys[-1]) for x in xs]
    return [rule for rule in rules if (rule.horizontal, rule.at, rule.start, rule.end) not in skip]


def cell_word(text: str, row: int, column: int) -> Word:
    x, y = XS[column] + 5, YS[row] + 5
    return Word(text, x, y, x + 5 * len(text), y + 10)


CELLS = [["Регион", "Кластер", "Год"], ["Москва", "i.moscow", "2020"], ["Томск", "ТИК", "2018"]]
WORDS = [
    cell_word(text, row, column)
    for row, texts in enumerate(CELLS)
    for column, text in enumerate(texts)
]


def test_full_grid_reads_every_cell():
    (table,) = find_grid_tables(grid(), WORDS)
    assert table.cells == CELLS
    assert table.bbox == (XS[0], YS[0], XS[-1], YS[-1])


def test_doubled_and_broken_rules_snap_into_one_grid():
    rules = grid() + [Rule(True, YS[1] + 0.8, XS[0], XS[-1])]  # a doubled stroke
    rules = [r for r in rules if not (r.horizontal and r.at == YS[0])]
    rules += [Rule(True, YS[0], XS[0], 200.0), Rule(True, YS[0], 200.5, XS[-1])]  # a broken stroke
    (table,) = find_grid_tables(rules, WORDS)
    assert table.cells == CELLS


def test_cell_merged_across_a_missing_rule_is_none():
    missing = {(False, XS[2], YS[0], YS[-1])}
    rules = grid(skip=missing) + [Rule(False, XS[2], YS[1], YS[-1])]  # header row spans two columns
    words = [cell_word("Кластер и год", 0, 1)] + WORDS[3:]
    (table,) = find_grid_tables(rules, words)
    assert table.cells[0] == ["", "Кластер и год", None]
    assert table.cells[1:] == CELLS[1:]


@pytest.mark.parametrize(
    ("rules", "why"),
    [
        (grid(xs=[50.0, 350.0], ys=[100.0, 160.0]), "a single framed box"),
        ([Rule(True, y, 50, 350) for y in YS], "horizontal rules only"),
        (
            grid(
                skip={(False, x, YS[0], YS[-1]) for x in XS[1:3]}
                | {(True, y, XS[0], XS[-1]) for y in YS[1:3]}
            )
            + [Rule(False, XS[1], 100, 104), Rule(True, 130, 140, 146)],
            "crossing lines that draw few cell edges",
        ),
    ],
)
def test_no_table(rules, why):
    assert find_grid_tables(rules, WORDS) == [], why


def test_grid_framing_running_text_is_not_a_table():
    """A Word template that lays out two columns of prose in a ruled 2 x 2 grid."""
    words = [
        Word(
            f"w{line}{index}",
            x0 + 5 + 38 * index,
            105 + 14 * line,
            x0 + 35 + 38 * index,
            115 + 14 * line,
        )
        for x0 in (50, 300)
        for line in range(15)
        for index in range(6)
    ]
    assert find_grid_tables(grid(xs=[50, 300, 550], ys=[100, 400, 700]), words) == []
    assert not is_data_table([["a " * 50, "b " * 50], ["c " * 50, "d " * 50]])


@pytest.mark.parametrize(
    ("segment", "rule"),
    [
        ((10, 100, 200, 100.5), Rule(True, 100.25, 10, 200)),
        ((300, 20, 300.4, 90), Rule(False, 300.2, 20, 90)),
        ((10, 10, 14, 10.2), None),  # too short
        ((10, 10, 100, 50), None),  # a box, not a line
    ],
)
def test_rule_from_segment(segment, rule):
    assert rule_from_segment(*segment) == rule


def test_words_in_tables_are_left_out():
    inside, outside = Word("cell", 60, 105, 80, 115), Word("text", 60, 300, 80, 310)
    assert outside_tables([inside, outside], [(50, 100, 350, 160)]) == [outside]
