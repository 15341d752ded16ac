"""Platypus machinery behind ``render``: fonts, flowables, page templates, page furniture.

Pages are held back by ``_DecoratedCanvas`` until the document is complete, so running
headers, footers, "page 3 of 5" numbers and page footnotes are drawn knowing the page count.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import pyphen
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from cluster_nlp.corpus.layout import FONT_FAMILIES, Layout
from cluster_nlp.corpus.markdown import (
    FOOTNOTE_REF,
    Block,
    Heading,
    ListBlock,
    MarkdownDocument,
)
from cluster_nlp.corpus.markdown import Paragraph as MdParagraph
from cluster_nlp.corpus.schema import CorpusError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT_PACKAGES = "fonts-dejavu-core and fonts-dejavu-extra"

PAGE_SIZES = {"A4": A4, "Letter": LETTER}
HYPHENATION = {"ru": "ru_RU", "en": "en_US"}
WORDS = {
    "ru": {"page_of": "Стр. {page} из {total}", "notes": "Примечания"},
    "en": {"page_of": "Page {page} of {total}", "notes": "Notes"},
}
# Page-footnote zones taller than this share of the page fall back to endnotes.
MAX_FOOTNOTE_ZONE_SHARE = 0.25


class RenderError(CorpusError):
    """A document cannot be rendered; the message is one line."""


def build_pdf(document: MarkdownDocument, layout: Layout, author: str = "") -> tuple[bytes, int]:
    """The PDF bytes of ``document`` in ``layout`` and its page count."""
    register_fonts(layout.font)
    buffer = io.BytesIO()
    pages = _Builder(document, layout).build(buffer, author=author)
    return buffer.getvalue(), pages


@cache
def register_fonts(family: str) -> None:
    font_dir = next((d for d in FONT_DIRS if (d / FONT_FAMILIES[family][0]).is_file()), None)
    if font_dir is None:
        raise RenderError(f"DejaVu fonts not found in {FONT_DIRS[0]}: install {FONT_PACKAGES}")
    names = (family, f"{family}-Bold", f"{family}-Italic", f"{family}-BoldItalic")
    for name, file_name in zip(names, FONT_FAMILIES[family], strict=True):
        path = font_dir / file_name
        if not path.is_file():
            raise RenderError(f"font {path} is missing: install {FONT_PACKAGES}")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        family, normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
    )


@cache
def _hyphenator(lang: str) -> Callable[[str], object]:
    return pyphen.Pyphen(lang=HYPHENATION[lang]).iterate


class _FootnoteAnchor(Flowable):
    """Takes no space; records on the canvas which footnotes belong to the page it lands on."""

    def __init__(self, numbers: list[int]) -> None:
        super().__init__()
        self.numbers = numbers

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self.canv.footnotes_by_page.setdefault(self.canv.getPageNumber(), []).extend(self.numbers)


class _Builder:
    """Turns a parsed document and a layout into Platypus flowables and page templates."""

    def __init__(self, document: MarkdownDocument, layout: Layout) -> None:
        self.document = document
        self.layout = layout
        self.width, self.height = PAGE_SIZES[layout.page_size]
        self.margin = layout.margin_mm * mm
        self.text_width = self.width - 2 * self.margin
        self.numbers = {label: n for n, label in enumerate(document.footnotes, start=1)}
        self.styles = self._styles()
        self.footnote_paragraphs = [
            Paragraph(f"<super>{n}</super> {escape(text)}", self.styles["footnote"])
            for n, text in enumerate(document.footnotes.values(), start=1)
        ]
        self.zone = self._footnote_zone()

    def build(self, buffer: io.BytesIO, author: str) -> int:
        document = BaseDocTemplate(
            buffer,
            pagesize=(self.width, self.height),
            invariant=1,
            title=self.document.title or "",
            author=author,
            creator="cluster-nlp corpus renderer",
            lang=self.layout.lang,
            leftMargin=self.margin,
            rightMargin=self.margin,
            topMargin=self.margin,
            bottomMargin=self.margin,
        )
        document.addPageTemplates(self._page_templates())
        decorations = _Decorations(self)
        document.build(
            self._flowables(),
            canvasmaker=lambda *args, **kwargs: _DecoratedCanvas(decorations, *args, **kwargs),
        )
        return document.page

    # -- styles and flowables -------------------------------------------------------------
    def _styles(self) -> dict[str, ParagraphStyle]:
        layout = self.layout
        size = layout.font_size
        hyphenation = _hyphenator(layout.lang) if layout.hyphenate else ""
        body = ParagraphStyle(
            "body",
            fontName=layout.font,
            fontSize=size,
            leading=size * 1.3,
            alignment=TA_JUSTIFY if layout.justified else TA_LEFT,
            spaceAfter=size * 0.5,
            hyphenationLang=hyphenation,
        )
        return {
            "body": body,
            "title": ParagraphStyle(
                "title",
                parent=body,
                fontName=f"{layout.font}-Bold",
                fontSize=size * 1.7,
                leading=size * 2.1,
                alignment=TA_CENTER if layout.columns == 1 else TA_LEFT,
                spaceAfter=size * 1.2,
                hyphenationLang="",
            ),
            "h2": ParagraphStyle(
                "h2",
                parent=body,
                fontName=f"{layout.font}-Bold",
                fontSize=size * 1.25,
                leading=size * 1.6,
                alignment=TA_LEFT,
                spaceBefore=size * 0.6,
                spaceAfter=size * 0.4,
                keepWithNext=1,
                hyphenationLang="",
            ),
            "h3": ParagraphStyle(
                "h3",
                parent=body,
                fontName=f"{layout.font}-BoldItalic",
                fontSize=size * 1.05,
                leading=size * 1.4,
                alignment=TA_LEFT,
                spaceBefore=size * 0.4,
                spaceAfter=size * 0.3,
                keepWithNext=1,
                hyphenationLang="",
            ),
            "item": ParagraphStyle("item", parent=body, spaceAfter=size * 0.2),
            "cell": ParagraphStyle(
                "cell",
                parent=body,
                fontSize=size * 0.9,
                leading=size * 1.1,
                alignment=TA_LEFT,
                spaceAfter=0,
                hyphenationLang="",
            ),
            "header_cell": ParagraphStyle(
                "header_cell",
                parent=body,
                fontName=f"{layout.font}-Bold",
                fontSize=size * 0.9,
                leading=size * 1.1,
                alignment=TA_LEFT,
                spaceAfter=0,
                hyphenationLang="",
            ),
            "footnote": ParagraphStyle(
                "footnote",
                parent=body,
                fontSize=size * 0.8,
                leading=size * 0.95,
                spaceAfter=size * 0.2,
            ),
        }

    def _footnote_zone(self) -> float:
        """Height reserved at the bottom of every page for footnotes (0 for endnotes)."""
        if self.layout.footnotes != "page" or not self.footnote_paragraphs:
            return 0.0
        heights = [p.wrap(self.text_width, self.height)[1] for p in self.footnote_paragraphs]
        zone = sum(heights) + len(heights) * self.styles["footnote"].spaceAfter + 12.0
        return zone if zone <= MAX_FOOTNOTE_ZONE_SHARE * self.height else 0.0

    def _inline(self, text: str) -> str:
        """Escape text for Platypus markup and turn footnote references into superscripts."""
        parts: list[str] = []
        position = 0
        for match in FOOTNOTE_REF.finditer(text):
            parts.append(escape(text[position : match.start()]))
            parts.append(f"<super>{self.numbers[match.group(1)]}</super>")
            position = match.end()
        parts.append(escape(text[position:]))
        return "".join(parts)

    def _anchored(self, flowable: Flowable, texts: list[str]) -> list[Flowable]:
        refs = [self.numbers[label] for text in texts for label in FOOTNOTE_REF.findall(text)]
        if refs and self.zone:
            return [flowable, _FootnoteAnchor(refs)]
        return [flowable]

    def _head(self) -> list[Flowable]:
        """What opens the first page: the preamble (site furniture), then the title."""
        head = [flowable for block in self.document.preamble for flowable in self._block(block)]
        if self.document.title is not None:
            head.append(Paragraph(escape(self.document.title), self.styles["title"]))
        return head

    def _flowables(self) -> list[Flowable]:
        flowables = self._head()
        if self.layout.columns == 2 and flowables:
            flowables += [NextPageTemplate("later"), FrameBreak()]
        else:
            flowables.append(NextPageTemplate("later"))
        for block in self.document.blocks:
            flowables += self._block(block)
        if self.document.footnotes and not self.zone:
            flowables.append(Paragraph(WORDS[self.layout.lang]["notes"], self.styles["h2"]))
            flowables += self.footnote_paragraphs
        return flowables

    def _block(self, block: Block) -> list[Flowable]:
        if isinstance(block, Heading):
            style = self.styles["h2" if block.level == 2 else "h3"]
            return self._anchored(Paragraph(self._inline(block.text), style), [block.text])
        if isinstance(block, MdParagraph):
            return self._anchored(
                Paragraph(self._inline(block.text), self.styles["body"]), [block.text]
            )
        if isinstance(block, ListBlock):
            return self._anchored(self._list(block), list(block.items))
        cells = [*block.header, *(cell for row in block.rows for cell in row)]
        return self._anchored(self._table(block.header, block.rows), cells)

    def _list(self, block: ListBlock) -> ListFlowable:
        items = [
            ListItem(Paragraph(self._inline(item), self.styles["item"])) for item in block.items
        ]
        size = self.layout.font_size
        if block.ordered:
            return ListFlowable(
                items,
                bulletType="1",
                bulletFontName=self.layout.font,
                bulletFontSize=size,
                leftIndent=size * 1.8,
            )
        return ListFlowable(
            items,
            bulletType="bullet",
            start=self.layout.bullet,
            bulletFontName=self.layout.font,
            bulletFontSize=size,
            leftIndent=size * 1.5,
            spaceAfter=size * 0.5,
        )

    def _table(self, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> Flowable:
        data = [[Paragraph(self._inline(cell), self.styles["header_cell"]) for cell in header]]
        data += [
            [Paragraph(self._inline(cell), self.styles["cell"]) for cell in row] for row in rows
        ]
        width = self._frame_width() * 0.98
        table = Table(
            data, colWidths=[width / len(header)] * len(header), repeatRows=1, hAlign="LEFT"
        )
        style = [
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BOX", (0, 0), (-1, -1), 0.9, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if self.layout.table_header_shade:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)))
        table.setStyle(TableStyle(style))
        spacer = self.layout.font_size * 0.6
        return (
            KeepTogether([Spacer(1, spacer), table, Spacer(1, spacer)]) if len(rows) <= 8 else table
        )

    # -- page geometry --------------------------------------------------------------------
    def _frame_width(self) -> float:
        gutter = 8 * mm
        return self.text_width if self.layout.columns == 1 else (self.text_width - gutter) / 2

    def _columns(self, top: float, template: str) -> list[Frame]:
        bottom = self.margin + self.zone
        gutter = 8 * mm
        width = self._frame_width()
        return [
            Frame(
                self.margin + i * (width + gutter),
                bottom,
                width,
                top - bottom,
                id=f"{template}-col{i}",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
            for i in range(self.layout.columns)
        ]

    def _page_templates(self) -> list[PageTemplate]:
        top = self.height - self.margin
        later = PageTemplate("later", frames=self._columns(top, "later"))
        if self.layout.columns == 1:
            return [PageTemplate("first", frames=self._columns(top, "first")), later]
        head = self._head()
        if not head:
            return [PageTemplate("first", frames=self._columns(top, "first")), later]
        # The head spans both columns; a frame ignores the space before its first flowable.
        title_height = 4 + sum(
            flowable.wrap(self.text_width, self.height)[1]
            + flowable.getSpaceAfter()
            + (flowable.getSpaceBefore() if index else 0)
            for index, flowable in enumerate(head)
        )
        title_frame = Frame(
            self.margin,
            top - title_height,
            self.text_width,
            title_height,
            id="title",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        return [
            PageTemplate(
                "first", frames=[title_frame, *self._columns(top - title_height, "first")]
            ),
            later,
        ]


class _Decorations:
    """Running header, footer, page numbers and page footnotes, drawn knowing the page count."""

    def __init__(self, builder: _Builder) -> None:
        self.layout = builder.layout
        self.width, self.height, self.margin = builder.width, builder.height, builder.margin
        self.text_width = builder.text_width
        self.footnotes = builder.footnote_paragraphs
        self.zone = builder.zone

    def draw(self, canvas: Canvas, page: int, total: int, footnote_numbers: list[int]) -> None:
        layout = self.layout
        size = layout.font_size * 0.8
        left, right = self.margin, self.width - self.margin
        if layout.header_text and (page > 1 or layout.header_on_first_page):
            y = self.height - self.margin * 0.6
            canvas.setFont(f"{layout.font}-Italic", size)
            canvas.drawString(left, y, layout.header_text)
            if layout.header_rule:
                canvas.setLineWidth(0.4)
                canvas.line(left, y - 3, right, y - 3)
        y = self.margin * 0.5
        canvas.setFont(layout.font, size)
        if layout.footer_text:
            canvas.drawString(left, y, layout.footer_text)
        number = self._page_number(page, total)
        if layout.page_number_align == "right" or layout.footer_text:
            canvas.drawRightString(right, y, number)
        else:
            canvas.drawCentredString(self.width / 2, y, number)
        if footnote_numbers and self.zone:
            self._draw_footnotes(canvas, footnote_numbers)

    def _page_number(self, page: int, total: int) -> str:
        if self.layout.page_numbers == "dash":
            return f"- {page} -"
        if self.layout.page_numbers == "of_total":
            return WORDS[self.layout.lang]["page_of"].format(page=page, total=total)
        return str(page)

    def _draw_footnotes(self, canvas: Canvas, numbers: list[int]) -> None:
        top = self.margin + self.zone - 4
        canvas.setLineWidth(0.5)
        canvas.line(self.margin, top, self.margin + self.text_width * 0.3, top)
        y = top - 4
        for number in sorted(set(numbers)):
            paragraph = self.footnotes[number - 1]
            _, height = paragraph.wrap(self.text_width, self.zone)
            y -= height
            paragraph.drawOn(canvas, self.margin, y)
            y -= paragraph.style.spaceAfter


class _DecoratedCanvas(Canvas):
    """Holds pages back until ``save`` so decorations can say "page 3 of 5"."""

    def __init__(self, decorations: _Decorations, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decorations = decorations
        self.footnotes_by_page: dict[int, list[int]] = {}
        self._held_pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for page, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self.decorations.draw(self, page, total, self.footnotes_by_page.get(page, []))
            super().showPage()
        super().save()
