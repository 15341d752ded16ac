"""PDF fixtures drawn line by line with reportlab, so every test knows exactly where text sits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pdf_drawing import FONT, draw_paragraphs, register_font
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT_COLUMN_X, RIGHT_COLUMN_X = 57.0, 310.0  # a 35 pt gutter between the columns
GUTTER_MIDDLE = 292.0
LEADING, PARAGRAPH_SKIP, INDENT = 13.0, 8.0, 12.0

HEADER = "Обзор кластеров ИИ, выпуск 2024"
TITLE = "Кластеры искусственного интеллекта"

# Each paragraph is given line by line, so the hyphens fall exactly where the tests expect:
# "кластер-" / "изации" must be joined, "научно-" / "образовательной" must keep its hyphen.
PAGE_ONE_LEFT = [
    [
        "Новосибирский кластер объединяет",
        "университеты, институты и компании",
        "региона. Процесс кластер-",
        "изации начался в Академгородке.",
    ],
    [
        "Важную роль играет развитие научно-",
        "образовательной инфраструктуры и",
        "крупных производств в смежных",
        "отраслях.",
    ],
]
PAGE_ONE_RIGHT = [
    [
        "Московский инновационный кластер",
        "развивает искусственный интеллект",
        "как новое направление работы.",
    ],
    [
        "РАЭК поддерживает сетевое",
        "взаимодействие разработчиков по",
        "всей стране и за её пределами.",
    ],
]
PAGE_TWO_LEFT = [
    [
        "Томский кластер опирается на",
        "университеты и технопарк.",
    ],
    [
        "Казанский кластер развивает",
        "беспилотный транспорт.",
    ],
]
PAGE_TWO_RIGHT = [
    [
        "Кластер в Иннополисе привлекает",
        "стартапы и венчурные фонды.",
    ],
]
TABLE = [
    ["Регион", "Кластер", "Год"],
    ["Новосибирская область", "АНО «Кластер ИИ»", "2019"],
    ["Москва", "i.moscow", "2020"],
]


def paragraph_text(lines: list[str]) -> str:
    """What a paragraph must read as once its lines are joined (hyphens as the tests expect)."""
    text = " ".join(lines)
    return text.replace("кластер- изации", "кластеризации").replace("научно- образ", "научно-образ")


EXPECTED_PASSAGES = [
    TITLE,
    *(paragraph_text(lines) for lines in PAGE_ONE_LEFT + PAGE_ONE_RIGHT),
    *(paragraph_text(lines) for lines in PAGE_TWO_LEFT + PAGE_TWO_RIGHT),
]


@dataclass(frozen=True)
class TwoColumnPdf:
    path: Path
    header: str = HEADER
    title: str = TITLE
    expected_passages: tuple[str, ...] = tuple(EXPECTED_PASSAGES)
    right_column_passages: tuple[str, ...] = tuple(
        paragraph_text(lines) for lines in PAGE_ONE_RIGHT + PAGE_TWO_RIGHT
    )
    table: tuple[tuple[str, ...], ...] = tuple(tuple(row) for row in TABLE)


def _columns(pdf: canvas.Canvas, top: float, columns: list[list[list[str]]]) -> None:
    pdf.setFont(FONT, 10)
    for x, paragraphs in zip((LEFT_COLUMN_X, RIGHT_COLUMN_X), columns, strict=True):
        draw_paragraphs(pdf, x, top, paragraphs, LEADING, PARAGRAPH_SKIP, INDENT)


def _furniture(pdf: canvas.Canvas, number: int) -> None:
    pdf.setFont(FONT, 8)
    pdf.drawString(LEFT_COLUMN_X, PAGE_HEIGHT - 30, HEADER)
    pdf.drawCentredString(PAGE_WIDTH / 2, 30, f"- {number} -")


def _ruled_table(pdf: canvas.Canvas, top: float, rows: list[list[str]]) -> None:
    xs, row_height = [57.0, 200.0, 400.0, 538.0], 18.0
    for row in range(len(rows) + 1):
        pdf.line(xs[0], top - row * row_height, xs[-1], top - row * row_height)
    for x in xs:
        pdf.line(x, top, x, top - len(rows) * row_height)
    pdf.setFont(FONT, 9)
    for row, cells in enumerate(rows):
        for column, cell in enumerate(cells):
            pdf.drawString(xs[column] + 4, top - row * row_height - 13, cell)


@pytest.fixture(scope="session")
def two_column_pdf(tmp_path_factory: pytest.TempPathFactory, dejavu_font: Path) -> TwoColumnPdf:
    """Two A4 pages: running header and "- n -" page numbers, a title above two columns of
    Cyrillic paragraphs whose lines share baselines across the gutter, words hyphenated across
    lines, and a ruled table under the columns of page 2."""
    register_font(dejavu_font)
    path = tmp_path_factory.mktemp("pdfs") / "two_columns.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle("")
    _furniture(pdf, 1)
    pdf.setFont(FONT, 16)
    pdf.drawString(LEFT_COLUMN_X, PAGE_HEIGHT - 80, TITLE)
    _columns(pdf, PAGE_HEIGHT - 116, [PAGE_ONE_LEFT, PAGE_ONE_RIGHT])
    pdf.showPage()
    _furniture(pdf, 2)
    _columns(pdf, PAGE_HEIGHT - 80, [PAGE_TWO_LEFT, PAGE_TWO_RIGHT])
    _ruled_table(pdf, 520.0, TABLE)
    pdf.showPage()
    pdf.save()
    return TwoColumnPdf(path)


@pytest.fixture(scope="session")
def make_pdf(dejavu_font: Path):
    """``make_pdf(path, [lines of page 1, lines of page 2, ...], **canvas options)``."""
    register_font(dejavu_font)

    def write(path: Path, pages: list[list[str]], title: str | None = None, **options) -> Path:
        pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1, **options)
        if title is not None:
            pdf.setTitle(title)
        for lines in pages:
            pdf.setFont(FONT, 11)
            y = PAGE_HEIGHT - 72
            for line in lines:
                pdf.drawString(72, y, line)
                y -= 16
            pdf.showPage()
        pdf.save()
        return path

    return write


SCAN_LINES = ["Кластер искусственного", "интеллекта в Новосибирске"]


@pytest.fixture(scope="session")
def scanned_pdf(tmp_path_factory: pytest.TempPathFactory, dejavu_font: Path) -> Path:
    """One A4 page that is only a picture of two lines of Russian text (no text layer)."""
    dpi = 150
    image = Image.new("L", (int(PAGE_WIDTH * dpi / 72), int(PAGE_HEIGHT * dpi / 72)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(dejavu_font), 36)
    for index, line in enumerate(SCAN_LINES):
        draw.text((150, 200 + index * 60), line, font=font, fill=0)
    path = tmp_path_factory.mktemp("scans") / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.drawImage(ImageReader(image), 0, 0, width=PAGE_WIDTH, height=PAGE_HEIGHT)
    pdf.showPage()
    pdf.save()
    return path


# Two pages of columns that once came out interleaved. Page 1: the right column, pushed half a
# line down by its heading, ends halfway down the page on a one-word line; the left one goes on
# alone. Page 2: both columns justified so loosely that their word spaces are over half the
# gutter.
UNEVEN_TITLE = "A port city turns an AI watchdog into an industry"
UNEVEN_LEFT = [
    [
        "When the national agency for the supervision",
        "of artificial intelligence chose the port",
        "city, local politicians celebrated loudly",
        "as if their team had won a cup final.",
    ],
    [
        "The agency was given its statute by royal",
        "decree in August, and its tasks include",
        "overseeing the rules once they apply and",
        "supervising the sandbox. The decree ended",
        "a long contest between cities, while also",
        "making Spain the first member state of the",
        "union with a dedicated supervisory body.",
    ],
    [
        "City officials have since tried to market",
        "the port as a place where anyone who needs",
        "to understand the regulation should be",
        "present, and business associations organise",
        "visits for compliance teams from the capital.",
    ],
]
UNEVEN_RIGHT_TOP = [
    "Officials stress that the regulator must",
    "keep its distance from any institution it",
    "might one day supervise.",
]
UNEVEN_HEADING = "Sceptics"
UNEVEN_RIGHT = [
    ["Not everyone is persuaded: start-ups", "fear being watched a little too", "closely."],
    ["Supporters reply that the point is to build", "a niche rather than to compete on volume."],
]
LOOSE_LEFT = [
    "Regional administrations increasingly",
    "terminate unproductive land leases",
    "whenever developers postpone their",
    "construction, arguing that abandoned",
    "industrial plots undermine municipal",
    "development plans.",
]
LOOSE_RIGHT = [
    "Developers counter that financing",
    "conditions deteriorated sharply after",
    "interest rates climbed, leaving their",
    "investment programmes without any",
    "affordable construction credit at all",
    "in the region.",
]
LOOSE_WIDTH, LOOSE_GUTTER = 210.0, 18.0  # word spaces of 11 to 16 pt


@dataclass(frozen=True)
class UnevenColumnsPdf:
    path: Path
    pages: tuple[tuple[str, ...], ...]  # the passages of each page, in reading order


def _justified(pdf: canvas.Canvas, x: float, y: float, lines: list[str], width: float) -> None:
    """Lines flush on both sides (the last one flush left), word by word."""
    for index, line in enumerate(lines):
        words = line.split(" ")
        ink = sum(pdfmetrics.stringWidth(word, FONT, 10) for word in words)
        space = pdfmetrics.stringWidth(" ", FONT, 10)
        if index < len(lines) - 1:
            space = (width - ink) / (len(words) - 1)
        cursor = x
        for word in words:
            pdf.drawString(cursor, y - index * LEADING, word)
            cursor += pdfmetrics.stringWidth(word, FONT, 10) + space


@pytest.fixture(scope="session")
def uneven_columns_pdf(
    tmp_path_factory: pytest.TempPathFactory, dejavu_font: Path
) -> UnevenColumnsPdf:
    register_font(dejavu_font)
    path = tmp_path_factory.mktemp("pdfs") / "uneven_columns.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle("")
    pdf.setFont(FONT, 16)
    pdf.drawString(LEFT_COLUMN_X, PAGE_HEIGHT - 70, UNEVEN_TITLE)
    top = PAGE_HEIGHT - 110
    _columns(pdf, top, [UNEVEN_LEFT, [UNEVEN_RIGHT_TOP]])
    # The heading takes three leadings and a paragraph skip: the lines below it fall half a
    # line box (5 pt of 10) above the lines of the left column.
    heading = top - len(UNEVEN_RIGHT_TOP) * LEADING - PARAGRAPH_SKIP - LEADING
    pdf.setFont(FONT, 13)
    pdf.drawString(RIGHT_COLUMN_X, heading, UNEVEN_HEADING)
    _columns(pdf, heading - 2 * LEADING - PARAGRAPH_SKIP, [[], UNEVEN_RIGHT])
    pdf.showPage()
    pdf.setFont(FONT, 10)
    _justified(pdf, LEFT_COLUMN_X, PAGE_HEIGHT - 80, LOOSE_LEFT, LOOSE_WIDTH)
    right = LEFT_COLUMN_X + LOOSE_WIDTH + LOOSE_GUTTER
    _justified(pdf, right, PAGE_HEIGHT - 80, LOOSE_RIGHT, LOOSE_WIDTH)
    pdf.showPage()
    pdf.save()
    first = (
        UNEVEN_TITLE,
        *(" ".join(lines) for lines in UNEVEN_LEFT),
        " ".join(UNEVEN_RIGHT_TOP),
        UNEVEN_HEADING,
        *(" ".join(lines) for lines in UNEVEN_RIGHT),
    )
    return UnevenColumnsPdf(path, (first, (" ".join(LOOSE_LEFT), " ".join(LOOSE_RIGHT))))
