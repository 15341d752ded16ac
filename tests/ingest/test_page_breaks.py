"""A paragraph cut by a page break inside a hyphenated word is one passage again."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdf_drawing import FONT, draw_paragraphs, register_font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from cluster_nlp.ingest.extraction import extract
from cluster_nlp.ingest.pages import Block
from cluster_nlp.ingest.paragraphs import join_page_breaks

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, LEADING, PARAGRAPH_SKIP, INDENT = 72.0, 14.0, 10.0, 14.0
HEADER = "Обзор кластеров ИИ, выпуск 2024"
BODY_TOP, BODY_BOTTOM = PAGE_HEIGHT - 90, 90.0  # clear of the header and page number bands

BOX = (72.0, 100.0, 500.0, 700.0)


def body(text: str, size: float = 10.0) -> Block:
    return Block(text, BOX, size)


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        pytest.param(
            [[body("Начало."), body("Процесс класте-")], [body("ризации идёт."), body("Далее.")]],
            [["Начало.", "Процесс кластеризации идёт."], ["Далее."]],
            id="word-split-across-the-break-joins",
        ),
        pytest.param(
            [[body("Развитие научно-")], [body("образовательной среды.")]],
            [["Развитие научно-образовательной среды."], []],
            id="compound-keeps-its-hyphen",
        ),
        pytest.param(
            [[body("Процесс класте-")], [body("Новый раздел"), body("ризации")]],
            [["Процесс класте-"], ["Новый раздел", "ризации"]],
            id="capital-on-the-next-page-stays-apart",
        ),
        pytest.param(
            [[body("Процесс класте-")], [body("ризации", size=16.0)]],
            [["Процесс класте-"], ["ризации"]],
            id="heading-in-other-type-stays-apart",
        ),
        pytest.param(
            [[body("Развитие кластеров")], [body("идёт быстро.")]],
            [["Развитие кластеров"], ["идёт быстро."]],
            id="no-hyphen-no-join",
        ),
        pytest.param(
            [
                [body("Процесс класте-"), body("1 Сноска мелким шрифтом", size=7.0)],
                [body("ризации идёт.")],
            ],
            [["Процесс кластеризации идёт.", "1 Сноска мелким шрифтом"], []],
            id="footnote-is-stepped-over",
        ),
        pytest.param(
            [[body("Процесс класте-")], [], [body("ризации идёт.")]],
            [["Процесс класте-"], [], ["ризации идёт."]],
            id="empty-page-stops-the-continuation",
        ),
        pytest.param(
            [[body("Процесс класте-")], [body("ризации и инфра-")], [body("структуры.")]],
            [["Процесс кластеризации и инфраструктуры."], [], []],
            id="continuation-passes-through-a-consumed-page",
        ),
    ],
)
def test_join_page_breaks(pages, expected):
    joined = join_page_breaks(pages)
    assert [[block.text for block in blocks] for blocks in joined] == expected


def test_joined_block_keeps_the_first_pages_box_and_size():
    first = Block("Процесс класте-", (72.0, 600.0, 500.0, 780.0), 10.0)
    second = Block("ризации идёт.", (72.0, 60.0, 300.0, 75.0), 10.5)
    [[joined], []] = join_page_breaks([[first], [second]])
    assert (joined.bbox, joined.size) == (first.bbox, first.size)


def _draw_page(pdf: canvas.Canvas, number: int, paragraphs: list[list[str]]) -> None:
    pdf.setFont(FONT, 8)
    pdf.drawString(LEFT, PAGE_HEIGHT - 40, HEADER)
    pdf.drawCentredString(PAGE_WIDTH / 2, 40, f"- {number} -")
    pdf.setFont(FONT, 10)
    y = draw_paragraphs(pdf, LEFT, BODY_TOP, paragraphs, LEADING, PARAGRAPH_SKIP, INDENT)
    assert y > BODY_BOTTOM, "the fixture's text must stay out of the footer band"


def _write(path: Path, font: Path, pages: list[list[list[str]]]) -> Path:
    register_font(font)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle("")
    for number, paragraphs in enumerate(pages, start=1):
        _draw_page(pdf, number, paragraphs)
        pdf.showPage()
    pdf.save()
    return path


OPENING = ["Новосибирский кластер объединяет", "университеты и компании региона."]
CUT = "Кластеры растут быстро, и важную роль"  # the first line of the paragraph the page cuts
CLOSING = ["Томский кластер опирается", "на университеты, технопарк и", "венчурные фонды области."]


@pytest.mark.parametrize(
    ("last_line", "next_line", "continued"),
    [
        pytest.param(
            "играет процесс класте-",
            "ризации научных институтов.",
            "играет процесс кластеризации научных институтов.",
            id="hyphenated-word-joins",
        ),
        pytest.param(
            "играет научно-",
            "образовательный центр региона.",
            "играет научно-образовательный центр региона.",
            id="compound-keeps-its-hyphen",
        ),
    ],
)
@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_paragraph_continued_on_the_next_page_is_one_passage(
    tmp_path, dejavu_font, engine, last_line, next_line, continued
):
    first_page = [OPENING, [CUT, last_line]]
    second_page = [[next_line], CLOSING]
    path = _write(tmp_path / "break.pdf", dejavu_font, [first_page, second_page])
    document = extract(path, engine=engine, ocr=False)
    texts = [passage.text for passage in document.passages]
    assert texts == [" ".join(OPENING), f"{CUT} {continued}", " ".join(CLOSING)]
    merged = document.passages[1]
    assert merged.page == 1
    assert document.text[merged.start : merged.end] == merged.text
    assert document.text.index(merged.text) == merged.start
    assert merged.bbox is not None and merged.bbox.top < PAGE_HEIGHT - BODY_BOTTOM
    closing = document.passages[2]
    assert closing.page == 2
    assert closing.start == document.text.index(" ".join(CLOSING))
    assert document.pages[1].text == " ".join(CLOSING)
    assert HEADER not in document.text and "- 2 -" not in document.text


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_new_heading_on_the_next_page_is_not_joined(tmp_path, dejavu_font, engine):
    first_page = [OPENING, [CUT, "играет процесс класте-"]]
    second_page = [["Развитие инфраструктуры"], CLOSING]
    path = _write(tmp_path / "heading.pdf", dejavu_font, [first_page, second_page])
    document = extract(path, engine=engine, ocr=False)
    assert [(passage.page, passage.text) for passage in document.passages] == [
        (1, " ".join(OPENING)),
        (1, f"{CUT} играет процесс класте-"),
        (2, "Развитие инфраструктуры"),
        (2, " ".join(CLOSING)),
    ]
    for passage in document.passages:
        assert document.text[passage.start : passage.end] == passage.text
