"""Plain text and Markdown files as one-page documents.

Paragraphs are separated by blank lines; the lines of a paragraph are joined as in a PDF
(hyphenated words rejoined). Markdown headings, list items and fenced code keep their own
blocks, and headings count as larger text so the first one can become the title.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.ingest.hyphenation import join_lines
from cluster_nlp.ingest.pages import Block, PageText
from cluster_nlp.ingest.quality import grade
from cluster_nlp.ingest.settings import text_file_settings
from cluster_nlp.statuses import ErrorClass, PageStatus

ENGINE = "text"
TEXT_SUFFIXES = (".txt", ".md")
_BODY_SIZE = 1.0
_HEADING = re.compile(r"^(#{1,6})\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")


def decode(data: bytes) -> str:
    """The file's text: UTF-8 as is, else the encoding charset-normalizer finds among those in
    ``data/text_files.yaml`` (Windows-1251, UTF-16 with or without a BOM, KOI8-R)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text, problem = "", f"byte 0x{data[error.start]:02x} at offset {error.start}"
    else:
        # UTF-16 without a BOM is often valid UTF-8 too (Cyrillic is 0x04 0x1A...), but no
        # text file holds NUL characters.
        problem = "NUL bytes" if "\x00" in text else ""
    if problem:
        best = from_bytes(data, cp_isolation=list(text_file_settings().encodings)).best()
        if best is None:
            raise ExtractionError(
                f"not readable text: {problem} fit no known encoding "
                "(UTF-8, UTF-16, Windows-1251, KOI8-R)",
                ErrorClass.UNSUPPORTED,
            )
        text = str(best)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_text(data: bytes, markdown: bool) -> PageText:
    """The file as one page of blocks; raises ``ExtractionError`` when it holds no text."""
    text = decode(data)
    if not text.strip():
        raise ExtractionError("empty text: the file holds only whitespace", ErrorClass.EMPTY)
    blocks = _markdown_blocks(text) if markdown else _paragraphs(text)
    page_text = "\n\n".join(block.text for block in blocks)
    return PageText(
        number=1,
        width=0.0,
        height=0.0,
        engine=ENGINE,
        status=PageStatus.OK,
        quality=grade(page_text),
        blocks=blocks,
    )


def _joined(lines: list[str]) -> str:
    text = lines[0].strip()
    for line in lines[1:]:
        text = join_lines(text, line.strip())
    return text


def _paragraphs(text: str) -> list[Block]:
    return [
        Block(_joined(chunk.splitlines()), size=_BODY_SIZE)
        for chunk in re.split(r"\n\s*\n", text)
        if chunk.strip()
    ]


def _markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    pending: list[str] = []
    fenced: list[str] | None = None

    def flush() -> None:
        if pending:
            blocks.append(Block(_joined(pending), size=_BODY_SIZE))
            pending.clear()

    for line in text.split("\n"):
        if fenced is not None:
            fenced.append(line)
            if _FENCE.match(line):
                blocks.append(Block("\n".join(fenced), size=_BODY_SIZE))
                fenced = None
            continue
        if _FENCE.match(line):
            flush()
            fenced = [line]
        elif heading := _HEADING.match(line):
            flush()
            level = len(heading.group(1))
            blocks.append(Block(line.strip(), size=_BODY_SIZE + (7 - level) / 6))
        elif not line.strip():
            flush()
        elif _LIST_ITEM.match(line):
            flush()
            pending.append(line)
        else:
            pending.append(line)
    if fenced is not None:
        blocks.append(Block("\n".join(fenced), size=_BODY_SIZE))
    flush()
    return blocks
