"""Render corpus markdown to real, varied, byte-reproducible PDFs (reportlab Platypus).

Each document gets a layout chosen deterministically from its id (``layout_for``): one or two
columns, A4 or Letter, a DejaVu font family, running header/footer, a page-number style,
footnotes on the page or as endnotes, justified text with pyphen hyphenation. Tables are fully
ruled so table finders see them. reportlab's invariant mode makes the same markdown and layout
give the same bytes. ``render_markdown`` is the entry point for tests that need fixture PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cluster_nlp.corpus.layout import Layout, layout_for
from cluster_nlp.corpus.markdown import parse_markdown
from cluster_nlp.corpus.pdf_builder import RenderError, build_pdf
from cluster_nlp.corpus.schema import read_label_records

__all__ = [
    "Layout",
    "RenderError",
    "RenderedPdf",
    "layout_for",
    "planned_count",
    "render_corpus",
    "render_markdown",
    "render_source",
]


@dataclass(frozen=True)
class RenderedPdf:
    path: Path
    pages: int
    layout: Layout


def render_markdown(markdown: str, out: Path, layout: Layout, *, author: str = "") -> RenderedPdf:
    """Render markdown text to a PDF at ``out`` with the given layout."""
    content, pages = build_pdf(parse_markdown(markdown), layout, author)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return RenderedPdf(path=out, pages=pages, layout=layout)


def render_source(source: Path, out: Path, doc_id: str, lang: Literal["ru", "en"]) -> RenderedPdf:
    """Render one corpus markdown file with the layout its doc id selects."""
    try:
        markdown = source.read_text(encoding="utf-8")
    except OSError as err:
        raise RenderError(f"cannot read {source}: {err.strerror}") from err
    layout = layout_for(doc_id, lang, parse_markdown(markdown).title)
    return render_markdown(markdown, out, layout)


def render_corpus(
    corpus_dir: Path,
    only: list[str] | None = None,
    on_rendered: Callable[[RenderedPdf], None] | None = None,
) -> list[RenderedPdf]:
    """Render every document listed in ``corpus_dir/labels.jsonl`` (or just ``only``)."""
    records = read_label_records(corpus_dir / "labels.jsonl")
    if only:
        known = {record.doc_id for record in records}
        missing = [doc_id for doc_id in only if doc_id not in known]
        if missing:
            raise RenderError(f"not in {corpus_dir / 'labels.jsonl'}: {', '.join(missing)}")
        records = [record for record in records if record.doc_id in only]
    rendered: list[RenderedPdf] = []
    for record in records:
        result = render_source(
            corpus_dir / record.source, corpus_dir / record.path, record.doc_id, record.lang
        )
        rendered.append(result)
        if on_rendered is not None:
            on_rendered(result)
    return rendered


def planned_count(corpus_dir: Path, only: list[str] | None = None) -> int:
    """How many documents ``render_corpus`` would render (for a progress bar)."""
    records = read_label_records(corpus_dir / "labels.jsonl")
    return len([r for r in records if not only or r.doc_id in only])
