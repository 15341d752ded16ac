"""Running headers, footers and page numbers found across pages (pure)."""

from __future__ import annotations

import pytest

from cluster_nlp.ingest.furniture import find_furniture, find_repeated_side_lines, normalise
from cluster_nlp.ingest.layout import Line, Word

HEIGHT = 842.0


def line(text: str, top: float, x: float = 72.0, size: float = 10.0) -> Line:
    return Line.of([Word(text, x, top, x + 5 * len(text), top + size)])


def body(page: int) -> list[Line]:
    return [
        line(f"Body line {index} of page {page} says something else.", 200 + 14 * index)
        for index in range(5)
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("- 3 -", "-#-"),
        ("Стр. 12 из 40", "стр.#из#"),
        ("Page 7", "page#"),
        ("Vol. 85, No. 152", "vol.#,no.#"),
    ],
)
def test_normalise_masks_digits_and_drops_spaces(text, key):
    assert normalise(text) == key


def test_repeated_header_and_every_page_number_style_are_furniture():
    numbers = ["- 1 -", "2", "Стр. 3 из 4", "iv"]
    pages = []
    for page, number in enumerate(numbers, start=1):
        lines = (
            [line("Обзор кластеров ИИ, выпуск 2024", 30)] + body(page) + [line(number, 800, x=290)]
        )
        pages.append((HEIGHT, lines))
    dropped = find_furniture(pages)
    assert dropped == [{0, 6}] * 4


def test_body_text_and_a_line_repeated_mid_page_stay():
    pages = [(HEIGHT, body(page) + [line("Таблица 1. Итоги", 400)]) for page in range(1, 5)]
    assert find_furniture(pages) == [set()] * 4


def test_header_must_repeat_at_about_the_same_height():
    pages = [
        (HEIGHT, [line("Annual report", 30)] + body(1)),
        (HEIGHT, [line("Annual report", 60)] + body(2)),
        (HEIGHT, [line("Annual report", 790)] + body(3)),
    ]
    assert find_furniture(pages) == [set()] * 3


def test_chapter_headers_that_vary_a_little_are_found_on_neighbouring_pages():
    titles = [
        "Chapter One: Creators",
        "Chapter One: Creators",
        "Chapter One: Creator",
        "Chapter Two: Mere Copyists",
    ]
    pages = [(HEIGHT, [line(title, 30)] + body(page)) for page, title in enumerate(titles, start=1)]
    dropped = find_furniture(pages)
    assert dropped[:3] == [{0}, {0}, {0}]
    assert dropped[3] == set()


def test_single_page_loses_only_its_page_number():
    lines = [line("Обзор кластеров ИИ", 30)] + body(1) + [line("- 1 -", 800, x=290)]
    assert find_furniture([(HEIGHT, lines)]) == [{6}]


def test_two_page_document_needs_the_header_on_both_pages():
    pages = [(HEIGHT, [line("Доклад", 30)] + body(1)), (HEIGHT, [line("Доклад", 30)] + body(2))]
    assert find_furniture(pages) == [{0}, {0}]


def test_vertical_margin_stamps_repeated_on_pages_are_furniture():
    stamp = [Line.of([Word("VerDate Sep<11>2014 16:21 Aug 05, 2020", 18, 300, 24, 500)])]
    label = [Line.of([Word("Axis label", 18, 300, 24, 360)])]
    pages = [stamp, stamp + label, stamp]
    assert find_repeated_side_lines(pages) == [{0}, {0}, {0}]
    assert find_repeated_side_lines([stamp]) == [set()]
