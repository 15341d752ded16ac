"""Drawing test PDFs with reportlab: the DejaVu font, and paragraphs laid out line by line.

Paragraphs are given as their lines, so a test decides exactly where each line (and each
hyphen) falls; the first line of a paragraph is indented.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "DejaVuSans"


def register_font(font: Path) -> None:
    """Make ``FONT`` (the DejaVu Sans file at ``font``) available, once per process."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font)))


def draw_paragraphs(
    pdf: canvas.Canvas,
    x: float,
    top: float,
    paragraphs: list[list[str]],
    leading: float,
    paragraph_skip: float,
    indent: float,
) -> float:
    """Draw ``paragraphs`` from baseline ``top`` down; returns the baseline after the last."""
    y = top
    for lines in paragraphs:
        for index, line in enumerate(lines):
            pdf.drawString(x + (indent if index == 0 else 0.0), y, line)
            y -= leading
        y -= paragraph_skip
    return y
