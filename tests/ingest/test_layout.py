"""Layout on synthetic word boxes: rows and lines (layout), columns and bands (columns),
paragraphs (paragraphs). Pure and fast."""

from __future__ import annotations

import pytest

from cluster_nlp.ingest.columns import reading_order
from cluster_nlp.ingest.layout import (
    Word,
    build_lines,
    is_vertical,
    turn_back,
    turn_upright,
    vertical_lines,
)
from cluster_nlp.ingest.paragraphs import build_paragraphs

CHAR = 5.0  # width of one character at 10 pt in these synthetic pages
LEADING = 13.0


def words(text: str, x: float, top: float, size: float = 10.0) -> list[Word]:
    """Words of one line of text set from (x, top), every character CHAR wide at 10 pt."""
    placed, cursor, width = [], x, CHAR * size / 10.0
    for token in text.split(" "):
        placed.append(Word(token, cursor, top, cursor + len(token) * width, top + size))
        cursor += (len(token) + 1) * width
    return placed


def column(lines: list[str], x: float, top: float, leading: float = LEADING) -> list[Word]:
    return [
        word for index, line in enumerate(lines) for word in words(line, x, top + index * leading)
    ]


def read(page_words: list[Word]) -> list[str]:
    return [
        paragraph.text for paragraph in build_paragraphs(reading_order(build_lines(page_words)))
    ]


LEFT = ["Left column opens the story", "and keeps going down here.", "It ends on the third line."]
RIGHT = ["Right column starts another", "story that is told apart.", "It ends on its third line."]
LEFT_TEXT = " ".join(LEFT)
RIGHT_TEXT = " ".join(RIGHT)
TITLE = "A title that runs across both of the columns below"


def test_two_columns_on_shared_baselines_are_read_one_after_the_other():
    page = column(LEFT, 50, 100) + column(RIGHT, 220, 100)
    assert read(page) == [LEFT_TEXT, RIGHT_TEXT]


def test_three_columns_are_read_left_to_right():
    middle = ["Middle column has a story", "of its own, set in between.", "It ends here as well."]
    page = column(LEFT, 40, 100) + column(middle, 200, 100) + column(RIGHT, 360, 100)
    assert read(page) == [LEFT_TEXT, " ".join(middle), RIGHT_TEXT]


def test_full_width_title_is_read_before_the_columns_below_it():
    page = column(LEFT, 50, 100) + words(TITLE, 50, 60, size=14) + column(RIGHT, 220, 100)
    assert read(page) == [TITLE, LEFT_TEXT, RIGHT_TEXT]


def test_full_width_caption_cuts_the_columns_into_bands():
    caption = words("Figure 1. A caption that spans the full width of both columns.", 50, 160)
    lower_left = ["Lower left text continues", "below the wide caption."]
    lower_right = ["Lower right text continues", "below the caption too."]
    page = (
        column(LEFT, 50, 100)
        + column(RIGHT, 220, 100)
        + caption
        + column(lower_left, 50, 190)
        + column(lower_right, 220, 190)
    )
    assert read(page) == [
        LEFT_TEXT,
        RIGHT_TEXT,
        "Figure 1. A caption that spans the full width of both columns.",
        " ".join(lower_left),
        " ".join(lower_right),
    ]


def test_page_number_in_the_gutter_does_not_join_the_columns():
    page = column(LEFT, 50, 100) + column(RIGHT, 220, 100) + words("7", 195, 400)
    texts = read(page)
    assert LEFT_TEXT in texts and RIGHT_TEXT in texts


def test_columns_set_half_a_line_apart_do_not_chain_rows():
    page = column(LEFT, 50, 100) + column(RIGHT, 220, 100 + LEADING / 2)
    assert read(page) == [LEFT_TEXT, RIGHT_TEXT]


def test_sentence_cut_by_the_column_break_is_joined_again():
    left = ["The first column ends in", "the middle of a sentence that"]
    right = ["continues at the top of the", "second column and ends here."]
    page = column(left, 50, 100) + column(right, 220, 100)
    assert read(page) == [" ".join(left + right)]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (  # a taller gap between lines
            [
                ("First paragraph line one", 50, 100),
                ("and its second line.", 50, 113),
                ("Second paragraph after a gap.", 50, 140),
            ],
            ["First paragraph line one and its second line.", "Second paragraph after a gap."],
        ),
        (  # an indented first line, no extra gap
            [
                ("First paragraph line one is long", 50, 100),
                ("and its second line ends here.", 50, 113),
                ("Indented start of the next one", 70, 126),
                ("which wraps back to the margin.", 50, 139),
            ],
            [
                "First paragraph line one is long and its second line ends here.",
                "Indented start of the next one which wraps back to the margin.",
            ],
        ),
        (  # list items
            [
                ("Cluster functions include:", 50, 100),
                ("• startup support,", 50, 113),
                ("• technology transfer.", 50, 126),
            ],
            ["Cluster functions include:", "• startup support,", "• technology transfer."],
        ),
        (  # a short line ending a sentence, then a capital
            [
                ("A long first line of the paragraph", 50, 100),
                ("ends short.", 50, 113),
                ("Then a new paragraph starts here", 50, 126),
            ],
            ["A long first line of the paragraph ends short.", "Then a new paragraph starts here"],
        ),
    ],
    ids=["gap", "indent", "list", "short-line"],
)
def test_paragraph_breaks(lines, expected):
    page = [word for text, x, top in lines for word in words(text, x, top)]
    assert read(page) == expected


def test_heading_in_larger_type_is_its_own_paragraph():
    page = words("Introduction", 50, 80, size=16) + column(
        ["Body text follows the heading", "on two lines."], 50, 100
    )
    assert read(page) == ["Introduction", "Body text follows the heading on two lines."]


def test_hyphenated_words_are_rejoined_inside_a_paragraph():
    lines = ["Процесс кластер-", "изации затронул развитие научно-", "образовательной среды."]
    assert read(column(lines, 50, 100)) == [
        "Процесс кластеризации затронул развитие научно-образовательной среды."
    ]


@pytest.mark.parametrize(("gap", "segments"), [(2.0, 1), (5.0, 1), (30.0, 2)])
def test_rows_split_into_segments_only_at_wide_gaps(gap, segments):
    row = [Word("left", 50, 100, 70, 110), Word("right", 70 + gap, 100, 95 + gap, 110)]
    assert len(build_lines(row)) == segments


def test_vertical_words_are_kept_apart_from_the_rows():
    upright = words("Horizontal text line", 50, 100)
    stamp = [Word("DOWNLOADED", 20, 100, 28, 180), Word("FROM", 20, 185, 28, 215)]
    assert [is_vertical(word) for word in stamp] == [True, True]
    assert all(not is_vertical(word) for word in upright)
    assert [line.text for line in build_lines(upright + stamp)] == ["Horizontal text line"]
    assert [line.text for line in vertical_lines(upright + stamp)] == ["DOWNLOADED FROM"]


def test_empty_and_degenerate_words_are_ignored():
    assert build_lines([Word(" ", 0, 0, 5, 10), Word("flat", 0, 5, 20, 5)]) == []
    assert reading_order([]) == []
    assert build_paragraphs([]) == []


def test_paragraph_box_is_the_union_of_its_lines():
    page = column(["Short start", "and a much longer second line"], 50, 100)
    (paragraph,) = build_paragraphs(reading_order(build_lines(page)))
    assert paragraph.bbox == (50, 100, 50 + len("and a much longer second line") * CHAR, 123)


@pytest.mark.parametrize("direction", ["ttb", "btt"])
def test_page_turned_sideways_is_read_upright_and_boxes_map_back(direction):
    width, height = 612.0, 1008.0
    upright_lines = ["First line of the turned page", "and its second line here."]
    upright = column(upright_lines, 50, 100)
    # Lay the upright words on the sideways page, as the inverse of turn_upright would.
    sideways = [
        Word(w.text, *turn_back((w.x0, w.top, w.x1, w.bottom), direction, width, height))
        for w in upright
    ]
    assert all(
        word.bottom - word.top > word.x1 - word.x0 for word in sideways if len(word.text) > 2
    )
    turned = turn_upright(sideways, direction, width, height)
    assert read(turned) == [" ".join(upright_lines)]
    for before, after in zip(upright, turned, strict=True):
        assert (after.x0, after.top, after.x1, after.bottom) == pytest.approx(before[1:])


def justified(lines: list[str], x: float, top: float, width: float) -> list[Word]:
    """Lines set flush on both sides: each line's word spaces stretched to fill ``width``."""
    placed = []
    for index, line in enumerate(lines):
        tokens = line.split(" ")
        space = (width - CHAR * sum(map(len, tokens))) / (len(tokens) - 1)
        cursor, y = x, top + index * LEADING
        for token in tokens:
            placed.append(Word(token, cursor, y, cursor + CHAR * len(token), y + 10.0))
            cursor += CHAR * len(token) + space
    return placed


def rounded_tops(page_words: list[Word]) -> list[Word]:
    """Every other word's top a hundredth of a point higher, as PDFium's boxes come."""
    return [
        word._replace(top=word.top + 0.01) if index % 2 else word
        for index, word in enumerate(page_words)
    ]


SHORT_LEFT = [
    "The agency was given its statute",
    "by royal decree, making Spain the",
    "first member state of the union to",
    "create a dedicated supervisory body",
    "before the law on intelligence was",
    "even adopted by the parliament.",
]
SHORT_RIGHT = ["Not everyone is persuaded by it:", "start-ups fear being watched too", "closely."]
LOOSE_LEFT = [  # set 160 pt wide: word spaces of 7 to 11 pt
    "Loose lines spread their few",
    "words far apart in a narrow",
    "column, and the spaces grow",
    "wide where the words are long.",
]
LOOSE_RIGHT = [
    "The other column is set just",
    "as loosely, its words spread",
    "out to fill the measure up",
    "to its very final line here.",
]
RIVER = ["Rivers of space run", "down a page where", "words line up by"]
RAGGED_LEFT = [  # the first line juts 20 pt further towards the gutter than the others
    "The left column starts a story that runs",
    *["and it keeps on going down the page," for _ in range(10)],
    "until it ends.",
]
RAGGED_RIGHT = [
    "The right column tells another one,",
    *["which also keeps going down the page" for _ in range(10)],
    "to its end.",
]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (  # right column half a line above the left one, shorter, ending on a one-word line
            rounded_tops(column(SHORT_LEFT, 50, 100)) + column(SHORT_RIGHT, 250, 95),
            [" ".join(SHORT_LEFT), " ".join(SHORT_RIGHT)],
        ),
        (  # a 16 pt gutter, less than twice the word spaces: no outlier of its rows
            justified(LOOSE_LEFT, 50, 100, 160) + justified(LOOSE_RIGHT, 226, 100, 160),
            [" ".join(LOOSE_LEFT), " ".join(LOOSE_RIGHT)],
        ),
        (  # under a title: a gutter allowed one crossing line must not widen over the jut
            words(TITLE, 50, 60, size=14)
            + column(RAGGED_LEFT, 50, 100)
            + column(RAGGED_RIGHT, 258, 100),
            [TITLE, " ".join(RAGGED_LEFT), " ".join(RAGGED_RIGHT)],
        ),
    ],
    ids=["short-column-half-a-line-off", "loosely-justified-columns", "ragged-line-in-gutter"],
)
def test_columns_are_never_interleaved(page, expected):
    assert read(page) == expected


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (  # the loose line is measured against its own spaces, not the tight line's
            column(LEFT, 50, 100) + justified(LOOSE_RIGHT, 220, 100, 160),
            [*LEFT, *LOOSE_RIGHT],
        ),
        (  # short lines under a loose line leave its spaces free, but are no column beyond
            justified(["Loose words spread wide"], 50, 100, 160)
            + column(["Short end.", "Next."], 50, 113),
            ["Loose words spread wide", "Short end.", "Next."],
        ),
        (  # spaces of three lines overlap by 17-20 pt, still less than the spaces themselves
            justified(RIVER, 50, 100, 160),
            RIVER,
        ),
    ],
    ids=["loose-beside-tight", "loose-over-short-lines", "river-of-spaces"],
)
def test_loosely_justified_lines_stay_whole(page, expected):
    assert sorted(line.text for line in build_lines(page)) == sorted(expected)
