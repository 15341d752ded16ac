"""Which engine reads which page, and how pages become blocks of running text.

- ``pdfium``: the fast engine alone; tables come from its ruling lines (``tables.py``).
- ``pdfplumber``: the reference engine alone, with pdfplumber's table finder.
- ``auto``: pdfium for text and tables; pdfplumber for pages whose pdfium text fails the
  quality check (and, with ``plumber_tables_in_auto`` in ``data/engines.yaml``, for the tables
  of pages whose ruling lines form a grid); OCR for pages no text layer can serve. A file PDFium
  cannot open, or a page it cannot load, goes to pdfplumber.

Every page then goes through the same steps: cp1251 repair, grading, OCR when needed, running
headers and footers dropped across pages, columns, paragraphs and hyphenation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cluster_nlp.ingest import ocr
from cluster_nlp.ingest.columns import reading_order
from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.ingest.furniture import find_furniture, find_repeated_side_lines
from cluster_nlp.ingest.layout import (
    Line,
    Word,
    build_lines,
    turn_back,
    turn_upright,
    vertical_lines,
)
from cluster_nlp.ingest.pages import Block, PageText, RawPage
from cluster_nlp.ingest.paragraphs import build_paragraphs, join_page_breaks
from cluster_nlp.ingest.pdfium_engine import PdfiumDocument
from cluster_nlp.ingest.plumber_engine import PlumberDocument
from cluster_nlp.ingest.quality import (
    grade,
    is_cp1251_mojibake,
    is_damaged,
    is_usable,
    repair_cp1251,
)
from cluster_nlp.ingest.settings import engine_settings, ocr_settings, quality_settings
from cluster_nlp.ingest.tables import GridTable, find_grid_tables, outside_tables
from cluster_nlp.records import BBox, PageQuality, Table
from cluster_nlp.statuses import ErrorClass, PageStatus

Engine = Literal["auto", "pdfium", "pdfplumber"]
ENGINES: tuple[Engine, ...] = ("auto", "pdfium", "pdfplumber")


@dataclass
class _Page:
    """A page after engine choice and OCR, before furniture removal and paragraphs."""

    number: int
    width: float
    height: float
    engine: str
    status: PageStatus
    quality: PageQuality
    lines: list[Line] = field(default_factory=list)  # in the upright frame (see ``direction``)
    vertical: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    direction: str = "ltr"  # "ttb"/"btt": the page's text runs sideways and was turned upright

    @property
    def upright_height(self) -> float:
        return self.height if self.direction == "ltr" else self.width

    def on_page(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return turn_back(box, self.direction, self.width, self.height)


@dataclass
class PdfReading:
    title: str | None
    pages: list[PageText]


class _LazyPlumber:
    """pdfplumber opened on first need only; a file pdfminer rejects just leaves auto without it."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._document: PlumberDocument | None = None
        self._failed = False

    def get(self, index: int) -> PlumberDocument | None:
        if self._document is None and not self._failed:
            try:
                self._document = PlumberDocument(self._data)
            except ExtractionError:
                self._failed = True
        if self._document is not None and index < len(self._document):
            return self._document
        return None

    def close(self) -> None:
        if self._document is not None:
            self._document.close()


def read_pdf(
    data: bytes, engine: Engine, use_ocr: bool, max_pages: int | None = None
) -> PdfReading:
    """Read a PDF's pages with ``engine``; raises ``ExtractionError`` when it cannot be read."""
    if engine not in ENGINES:
        raise ExtractionError(
            f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}",
            ErrorClass.UNSUPPORTED,
        )
    pdfium: PdfiumDocument | None = None
    plumber: PlumberDocument | None = None
    if engine != "pdfplumber":
        try:
            pdfium = PdfiumDocument(data)
        except ExtractionError as pdfium_error:
            if engine == "pdfium":
                raise
            try:
                plumber = PlumberDocument(data)
            except ExtractionError as plumber_error:
                encrypted = pdfium_error.error_class is ErrorClass.ENCRYPTED
                reason = pdfium_error if encrypted else plumber_error
                raise reason from pdfium_error
    else:
        plumber = PlumberDocument(data)
    lazy = _LazyPlumber(data) if engine == "auto" and pdfium is not None else None
    reader = None
    try:
        count = len(pdfium if pdfium is not None else plumber)  # type: ignore[arg-type]
        if count == 0:
            raise ExtractionError(
                "no pages: the PDF's page tree is empty or broken", ErrorClass.CORRUPT
            )
        if max_pages is not None:
            count = min(count, max_pages)
        reader = _PageReader(engine, pdfium, plumber, lazy, use_ocr, data)
        pages = [reader.read(index) for index in range(count)]
        title = (pdfium or plumber).title()  # type: ignore[union-attr]
    finally:
        for document in (pdfium, plumber, lazy, reader):
            if document is not None:
                document.close()
    return PdfReading(title=title, pages=lay_out(pages))


class _PageReader:
    def __init__(
        self,
        engine: Engine,
        pdfium: PdfiumDocument | None,
        plumber: PlumberDocument | None,
        lazy: _LazyPlumber | None,
        use_ocr: bool,
        data: bytes,
    ) -> None:
        self.engine = engine
        self.pdfium = pdfium
        self.plumber = plumber
        self.lazy = lazy
        self.use_ocr = use_ocr
        self.data: bytes | None = data
        self.renderer: PdfiumDocument | None = None
        self.settings = engine_settings()
        self.second_opinion_helps: bool | None = None  # not asked yet

    def close(self) -> None:
        if self.renderer is not None:
            self.renderer.close()

    def _plumber(self, index: int) -> PlumberDocument | None:
        return self.plumber or (self.lazy.get(index) if self.lazy else None)

    def read(self, index: int) -> _Page:
        raw, tables, engine = self._raw(index)
        if raw is None:
            quality = grade("").model_copy(update={"issues": ("unreadable_page",)})
            return _Page(index + 1, 0.0, 0.0, engine, PageStatus.EMPTY, quality)
        words, quality = _graded(raw.words)
        second_opinion = self.engine == "auto" and self.settings.plumber_second_opinion
        if second_opinion and not is_usable(quality) and is_damaged(quality):
            words, quality, engine = self._second_opinion(index, words, quality, engine)
        page = _Page(index + 1, raw.width, raw.height, engine, PageStatus.OK, quality)
        if not is_usable(quality):
            if not words and raw.image_coverage < quality_settings().image_coverage:
                page.status = PageStatus.EMPTY
                return page
            if is_damaged(quality) or raw.image_coverage >= quality_settings().image_coverage:
                return self._recognise(index, page)
        kept = outside_tables(words, [table.bbox for table in tables])
        if raw.direction != "ltr":
            page.direction = raw.direction
            kept = turn_upright(kept, raw.direction, raw.width, raw.height)
        page.lines = build_lines(kept)
        page.vertical = vertical_lines(kept)
        page.tables = [_table_record(index + 1, table) for table in tables]
        return page

    def _raw(self, index: int) -> tuple[RawPage | None, list[GridTable], str]:
        """The page's words and tables from the engine(s) in charge, and their names; no words
        (None) when no engine can load the page."""
        if self.pdfium is None:
            return self._plumber_page(index)
        try:
            raw = self.pdfium.read_page(index)
        except ExtractionError:
            if self.engine == "auto":
                return self._plumber_page(index)
            return None, [], "pdfium"
        tables = find_grid_tables(raw.rules, raw.words)
        reference = self.engine == "auto" and self.settings.plumber_tables_in_auto
        if tables and reference and (plumber := self._plumber(index)):
            try:
                return raw, plumber.tables(index), "pdfium+pdfplumber"
            except ExtractionError:
                return raw, tables, "pdfium"
        return raw, tables, "pdfium"

    def _plumber_page(self, index: int) -> tuple[RawPage | None, list[GridTable], str]:
        plumber = self._plumber(index)
        if plumber is None:
            return None, [], "pdfplumber"
        try:
            raw = plumber.read_page(index)
        except ExtractionError:
            return None, [], "pdfplumber"
        return raw, raw.tables or [], "pdfplumber"

    def _second_opinion(
        self, index: int, words: list[Word], quality: PageQuality, engine: str
    ) -> tuple[list[Word], PageQuality, str]:
        """pdfplumber's words when the fast engine's text is damaged and pdfminer reads better.

        Damage comes from the fonts, so it repeats through a document: once pdfminer has read a
        damaged page no better, it is not asked again for the same document."""
        plumber = self._plumber(index) if self.second_opinion_helps is not False else None
        if plumber is None:
            return words, quality, engine
        try:
            other = plumber.read_page(index, with_tables=False)
        except ExtractionError:
            self.second_opinion_helps = False
            return words, quality, engine
        other_words, other_quality = _graded(other.words)
        self.second_opinion_helps = is_usable(other_quality) and other_quality.grade > quality.grade
        if other_quality.grade > quality.grade:
            return other_words, other_quality, "pdfplumber"
        return words, quality, engine

    def _renderer(self) -> PdfiumDocument | None:
        """PDFium renders pages for OCR, whichever engine read the text."""
        if self.pdfium is None and self.renderer is None and self.data is not None:
            try:
                self.renderer = PdfiumDocument(self.data)
            except ExtractionError:
                self.data = None
        return self.pdfium or self.renderer

    def _recognise(self, index: int, page: _Page) -> _Page:
        renderer = self._renderer() if self.use_ocr and ocr.available() else None
        if renderer is None:
            reason = "ocr_disabled" if not self.use_ocr else "ocr_unavailable"
            page.status = PageStatus.NEEDS_OCR
            page.quality = page.quality.model_copy(
                update={"issues": (*page.quality.issues, reason)}
            )
            return page
        settings = ocr_settings()
        try:
            image, scale = renderer.render(index, settings.dpi, settings.max_pixels)
            words = ocr.recognise(image, scale)
        except (ocr.OcrError, ExtractionError) as error:
            page.status = PageStatus.NEEDS_OCR
            issue = f"ocr_failed: {error}"
            page.quality = page.quality.model_copy(update={"issues": (*page.quality.issues, issue)})
            return page
        quality = grade(" ".join(word.text for word in words))
        page.engine, page.quality = ocr.ENGINE, quality
        if quality.letters < quality_settings().min_letters:
            page.status = PageStatus.EMPTY
            return page
        page.status = PageStatus.OCR
        page.lines = build_lines(words)
        return page


def _graded(words: list[Word]) -> tuple[list[Word], PageQuality]:
    text = " ".join(word.text for word in words)
    if is_cp1251_mojibake(text):
        words = [
            Word(repair_cp1251(word.text), word.x0, word.top, word.x1, word.bottom)
            for word in words
        ]
        return words, grade(" ".join(word.text for word in words), repaired=True)
    return words, grade(text)


def _table_record(page: int, table: GridTable) -> Table:
    x0, top, x1, bottom = table.bbox
    return Table(page=page, bbox=BBox(x0=x0, top=top, x1=x1, bottom=bottom), cells=table.cells)


def lay_out(pages: list[_Page]) -> list[PageText]:
    """Drop running headers and footers across pages, read each page into blocks, then join
    paragraphs that a page break cut inside a hyphenated word (vertical margin lines stay apart,
    after each page's running text)."""
    furniture = find_furniture([(page.upright_height, page.lines) for page in pages])
    stamps = find_repeated_side_lines([page.vertical for page in pages])
    bodies = []
    for page, dropped in zip(pages, furniture, strict=True):
        lines = [line for index, line in enumerate(page.lines) if index not in dropped]
        bodies.append(_on_page(page, page_blocks(lines)))
    running = join_page_breaks(bodies)
    texts = []
    for page, body, dropped_stamps in zip(pages, running, stamps, strict=True):
        side = [
            Block(line.text, (line.x0, line.top, line.x1, line.bottom), line.size)
            for index, line in enumerate(page.vertical)
            if index not in dropped_stamps
        ]
        blocks = body + _on_page(page, side)
        texts.append(
            PageText(
                number=page.number,
                width=page.width,
                height=page.height,
                engine=page.engine,
                status=page.status,
                quality=page.quality,
                blocks=blocks,
                tables=page.tables,
            )
        )
    return texts


def _on_page(page: _Page, blocks: list[Block]) -> list[Block]:
    """``blocks`` with their boxes turned back from the upright frame to the page's."""
    return [
        Block(block.text, page.on_page(block.bbox), block.size) if block.bbox else block
        for block in blocks
    ]


def page_blocks(lines: list[Line]) -> list[Block]:
    """Paragraph blocks of a page's lines, in reading order."""
    if not lines:
        return []
    return [
        Block(text=paragraph.text, bbox=paragraph.bbox, size=paragraph.size)
        for paragraph in build_paragraphs(reading_order(lines))
        if paragraph.text.strip()
    ]
