"""Pages of blocks into one ``ExtractedDocument``: text with offsets, languages, title, status.

``text`` is the pages' texts joined by a blank line, and each page's text its passages joined by
a blank line, so every passage's ``start``/``end`` point into ``text`` exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import median

from cluster_nlp.ingest.language import UNDETERMINED, detect_many, letter_count
from cluster_nlp.ingest.pages import PageText
from cluster_nlp.ingest.quality import is_usable
from cluster_nlp.ingest.settings import TitleSettings, title_settings
from cluster_nlp.records import (
    BBox,
    DocumentStatus,
    ExtractedDocument,
    Page,
    PageStatus,
    Passage,
)

SEPARATOR = "\n\n"
_COMPONENTS = ("pdfium", "pdfplumber", "tesseract", "text")
_HEADING_MARKS = re.compile(r"^#+\s*")


def assemble(
    path: str, sha256: str, pages: Sequence[PageText], metadata_title: str | None = None
) -> ExtractedDocument:
    languages = _languages(pages)
    document_language = _majority(pages, languages)
    text_parts: list[str] = []
    passages: list[Passage] = []
    records: list[Page] = []
    offset = 0
    for page_index, page in enumerate(pages):
        if page_index:
            text_parts.append(SEPARATOR)
            offset += len(SEPARATOR)
        page_parts: list[str] = []
        for block_index, block in enumerate(page.blocks):
            if block_index:
                page_parts.append(SEPARATOR)
                offset += len(SEPARATOR)
            language = languages[page_index][block_index] or document_language or UNDETERMINED
            passages.append(
                Passage(
                    page=page.number,
                    start=offset,
                    end=offset + len(block.text),
                    text=block.text,
                    lang=language,
                    bbox=BBox(
                        x0=block.bbox[0], top=block.bbox[1], x1=block.bbox[2], bottom=block.bbox[3]
                    )
                    if block.bbox
                    else None,
                )
            )
            page_parts.append(block.text)
            offset += len(block.text)
        page_text = "".join(page_parts)
        text_parts.append(page_text)
        records.append(
            Page(
                number=page.number,
                width=page.width,
                height=page.height,
                text=page_text,
                status=page.status,
                engine=page.engine,
                quality=page.quality,
                tables=page.tables,
            )
        )
    return ExtractedDocument(
        path=path,
        sha256=sha256,
        status=_status(pages),
        title=choose_title(metadata_title, pages),
        lang=document_language,
        engine=engine_label(page.engine for page in pages),
        text="".join(text_parts),
        pages=records,
        passages=passages,
    )


def _languages(pages: Sequence[PageText]) -> list[list[str | None]]:
    """Each block's language, or None when it is too short to tell on its own."""
    return [detect_many([block.text for block in page.blocks]) for page in pages]


def _majority(pages: Sequence[PageText], languages: list[list[str | None]]) -> str | None:
    """The language holding most letters among the blocks whose language is known."""
    weights: Counter[str] = Counter()
    for page, page_languages in zip(pages, languages, strict=True):
        for block, language in zip(page.blocks, page_languages, strict=True):
            if language and language != UNDETERMINED:
                weights[language] += letter_count(block.text)
    return weights.most_common(1)[0][0] if weights else None


def _status(pages: Sequence[PageText]) -> DocumentStatus:
    readable = (PageStatus.OK, PageStatus.OCR)
    if any(page.status in readable and is_usable(page.quality) for page in pages):
        return DocumentStatus.OK
    return DocumentStatus.NEEDS_OCR


def engine_label(engines: Iterable[str]) -> str | None:
    """The engines that produced the text, in a fixed order: "pdfium+pdfplumber"."""
    used = {part for engine in engines for part in engine.split("+")}
    ordered = [name for name in _COMPONENTS if name in used]
    return "+".join(ordered) if ordered else None


def sensible_title(title: str | None, settings: TitleSettings | None = None) -> str | None:
    """``title`` cleaned, or None when it is empty, too long or names a file or template."""
    settings = settings or title_settings()
    if not title:
        return None
    cleaned = " ".join(_HEADING_MARKS.sub("", title.strip()).split())
    if (
        len(cleaned) > settings.max_chars
        or len(cleaned.split()) > settings.max_words
        or letter_count(cleaned) < settings.min_letters
        or any(pattern.search(cleaned) for pattern in settings.junk_patterns)
    ):
        return None
    return cleaned


def choose_title(metadata_title: str | None, pages: Sequence[PageText]) -> str | None:
    """The metadata title when sensible, else a heading among the first blocks of the first page
    with text: the largest text set clearly above the page's median size, else the first block
    in capitals ("ВЫЧИСЛИМАЯ ЦЕНОВАЯ МОДЕЛЬ"), else the first short block that does not read
    as a sentence."""
    settings = title_settings()
    if title := sensible_title(metadata_title, settings):
        return title
    page = next((page for page in pages if page.blocks), None)
    if page is None:
        return None
    candidates = [
        (block, title)
        for block in page.blocks[: settings.first_paragraphs]
        if (title := sensible_title(block.text, settings))
    ]
    sizes = [block.size for block in page.blocks if block.size]
    if candidates and sizes:
        largest, title = max(candidates, key=lambda candidate: candidate[0].size or 0.0)
        if (largest.size or 0.0) >= settings.heading_size_ratio * median(sizes):
            return title
    for _, title in candidates:
        letters = [character for character in title if character.isalpha()]
        capitals = sum(character.isupper() for character in letters)
        if len(title.split()) > 1 and capitals >= settings.capitals_share * len(letters):
            return title
    for _, title in candidates:
        if len(title.split()) <= settings.max_heading_words and not title.endswith(
            (".", ",", ";", ":")
        ):
            return title
    return None
