"""The small markdown dialect of ``corpus/src/*.md`` (see the writers' brief).

Supported: a ``# Title`` first line, ``##``/``###`` headings, one-line paragraphs separated by
blank lines, ``- `` bullets and ``1. `` numbered items, pipe tables with a ``|---|`` separator
row, and footnotes (``text[^1]`` with ``[^1]: note`` lines). Anything malformed raises
``MarkdownError`` with the line number, so a broken source is caught before rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cluster_nlp.corpus.schema import CorpusError

FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
_HEADING = re.compile(r"^(#{1,3})\s+(.+)$")
_BULLET = re.compile(r"^[-*]\s+(.+)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.+)$")
_TABLE_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


class MarkdownError(CorpusError):
    """The source breaks the corpus markdown dialect; the message names the line."""


@dataclass(frozen=True)
class Heading:
    level: int  # 2 for "##", 3 for "###"; the "#" title is MarkdownDocument.title
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class ListBlock:
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class TableBlock:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | ListBlock | TableBlock


@dataclass(frozen=True)
class MarkdownDocument:
    """A parsed source. Real pages often open with site furniture (breadcrumbs, a date, tags)
    before their heading, and excerpts of decrees or minutes may have no heading at all: the
    blocks before the one ``# Title`` are its ``preamble``, and ``title`` is None without one."""

    title: str | None
    blocks: tuple[Block, ...]
    footnotes: dict[str, str] = field(default_factory=dict)  # label -> text, in reference order
    preamble: tuple[Block, ...] = ()


def parse_markdown(text: str) -> MarkdownDocument:
    lines = text.replace("\r\n", "\n").split("\n")
    if not any(line.strip() for line in lines):
        raise MarkdownError("line 1: the document is empty")

    title: str | None = None
    preamble: list[Block] = []
    blocks: list[Block] = []
    definitions: dict[str, tuple[int, str]] = {}
    chunk: list[tuple[int, str]] = []  # consecutive non-blank lines as (line number, text)

    def flush() -> None:
        if chunk:
            blocks.extend(_parse_chunk(chunk))
            chunk.clear()

    for index, raw in enumerate(lines):
        number, line = index + 1, raw.strip()
        definition = _FOOTNOTE_DEF.match(line)
        if not line:
            flush()
        elif definition:
            flush()
            label, note = definition.groups()
            if label in definitions:
                raise MarkdownError(f"line {number}: footnote [^{label}] is defined twice")
            if not note.strip():
                raise MarkdownError(f"line {number}: footnote [^{label}] is empty")
            definitions[label] = (number, note.strip())
        elif definitions:
            raise MarkdownError(f"line {number}: text after the footnote definitions")
        else:
            heading = _HEADING.match(line)
            if heading:
                flush()
                if len(heading.group(1)) == 1:
                    if title is not None:
                        raise MarkdownError(f"line {number}: a second '# Title'")
                    title = heading.group(2).strip()
                    preamble, blocks = blocks, []
                else:
                    blocks.append(
                        Heading(level=len(heading.group(1)), text=heading.group(2).strip())
                    )
            else:
                chunk.append((number, line))
    flush()
    every_block = [*preamble, *blocks]
    return MarkdownDocument(
        title=title,
        blocks=tuple(blocks),
        footnotes=_order_footnotes(every_block, definitions),
        preamble=tuple(preamble),
    )


def _line_kind(line: str) -> str:
    if line.startswith("|"):
        return "table"
    if _BULLET.match(line):
        return "bullet"
    if _NUMBERED.match(line):
        return "numbered"
    return "text"


def _parse_chunk(chunk: list[tuple[int, str]]) -> list[Block]:
    """Split a run of non-blank lines into lists, tables and paragraphs."""
    blocks: list[Block] = []
    index = 0
    while index < len(chunk):
        kind = _line_kind(chunk[index][1])
        end = index
        while end < len(chunk) and _line_kind(chunk[end][1]) == kind:
            end += 1
        lines = [text for _, text in chunk[index:end]]
        if kind == "table":
            blocks.append(_parse_table(chunk[index:end]))
        elif kind in ("bullet", "numbered"):
            pattern = _BULLET if kind == "bullet" else _NUMBERED
            items = tuple(pattern.match(text).group(1).strip() for text in lines)
            blocks.append(ListBlock(items=items, ordered=kind == "numbered"))
        else:
            # A hard-wrapped paragraph is tolerated and joined back into one line.
            blocks.append(Paragraph(text=" ".join(lines)))
        index = end
    return blocks


def _parse_table(rows: list[tuple[int, str]]) -> TableBlock:
    first_line = rows[0][0]
    if len(rows) < 2:
        raise MarkdownError(f"line {first_line}: a table needs a header and a |---| row")
    cells = [(number, _cells(number, line)) for number, line in rows]
    header = cells[0][1]
    separator_line, separator = cells[1]
    if not all(_TABLE_SEPARATOR_CELL.match(cell) for cell in separator):
        raise MarkdownError(f"line {separator_line}: the second table row must be |---|---|")
    if len(separator) != len(header):
        raise MarkdownError(
            f"line {separator_line}: separator has {len(separator)} cells, header has {len(header)}"
        )
    body: list[tuple[str, ...]] = []
    for number, row in cells[2:]:
        if len(row) != len(header):
            raise MarkdownError(
                f"line {number}: row has {len(row)} cells, header has {len(header)}"
            )
        body.append(tuple(row))
    return TableBlock(header=tuple(header), rows=tuple(body))


def _cells(number: int, line: str) -> list[str]:
    if not line.endswith("|") or len(line) < 2:
        raise MarkdownError(f"line {number}: a table row must start and end with '|'")
    return [cell.strip() for cell in line[1:-1].split("|")]


def _order_footnotes(
    blocks: list[Block], definitions: dict[str, tuple[int, str]]
) -> dict[str, str]:
    referenced: list[str] = []
    for text in _block_texts(blocks):
        for label in FOOTNOTE_REF.findall(text):
            if label not in definitions:
                raise MarkdownError(f"footnote [^{label}] is referenced but never defined")
            if label not in referenced:
                referenced.append(label)
    for label, (number, _) in definitions.items():
        if label not in referenced:
            raise MarkdownError(
                f"line {number}: footnote [^{label}] is defined but never referenced"
            )
    return {label: definitions[label][1] for label in referenced}


def _block_texts(blocks: list[Block] | tuple[Block, ...]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Paragraph):
            texts.append(block.text)
        elif isinstance(block, ListBlock):
            texts.extend(block.items)
        else:
            texts.extend(block.header)
            texts.extend(cell for row in block.rows for cell in row)
    return texts


def strip_footnote_refs(text: str) -> str:
    return FOOTNOTE_REF.sub("", text)


def plain_text(document: MarkdownDocument) -> str:
    """The words a reader sees, without markdown syntax: preamble, title, blocks, footnote texts.

    Blocks are separated by blank lines, list items and table rows by newlines, table cells by
    spaces. Footnote markers are dropped; extraction tests compare against this text.
    """
    title = [] if document.title is None else [document.title]
    parts = [
        *(_plain_block(block) for block in document.preamble),
        *title,
        *(_plain_block(block) for block in document.blocks),
        *document.footnotes.values(),
    ]
    return "\n\n".join(parts)


def _plain_block(block: Block) -> str:
    if isinstance(block, Heading | Paragraph):
        return strip_footnote_refs(block.text)
    if isinstance(block, ListBlock):
        return "\n".join(strip_footnote_refs(item) for item in block.items)
    rows = (block.header, *block.rows)
    return "\n".join(" ".join(strip_footnote_refs(cell) for cell in row) for row in rows)
