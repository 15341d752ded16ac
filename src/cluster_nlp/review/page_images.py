"""PDF pages as PNG images for the document page, rendered with pypdfium2.

A page is rendered only from a file below the app's files root whose bytes still hash to the
document's id, so a path in the store can neither reach outside that folder nor show a file
that has changed since it was read.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import DocumentPathRow, DocumentRow

SCALE = 1.5  # 108 dpi: boxes stay legible beside the text
MAX_PDF_BYTES = 200 * 1024 * 1024


class PageImageError(LookupError):
    """No image for this page (one line for the user)."""


def confined(root: Path, stored: str) -> Path | None:
    """``stored`` resolved against ``root``, or None when it would leave ``root``."""
    path = (root / stored).resolve()
    return path if path.is_relative_to(root) else None


def source_file(sessions: SessionFactory, root: Path, document_id: str) -> Path:
    with sessions() as session:
        document = session.get(DocumentRow, document_id)
        if document is None:
            raise PageImageError("no such document")
        paths = [
            document.source_path,
            *session.scalars(
                select(DocumentPathRow.path).where(DocumentPathRow.document_id == document_id)
            ),
        ]
    for stored in dict.fromkeys(paths):
        path = confined(root, stored)
        if path is None or not path.is_file() or path.suffix.lower() != ".pdf":
            continue
        if path.stat().st_size > MAX_PDF_BYTES:
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() == document_id:
            return path
    raise PageImageError("the document's PDF is not available below the app's files folder")


@lru_cache(maxsize=64)
def _render(path: Path, page_number: int, modified_ns: int) -> bytes:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        if not 1 <= page_number <= len(pdf):
            raise PageImageError(f"no page {page_number}")
        bitmap = pdf[page_number - 1].render(scale=SCALE)
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False)
        return out.getvalue()
    finally:
        pdf.close()


def page_png(sessions: SessionFactory, root: Path, document_id: str, page_number: int) -> bytes:
    path = source_file(sessions, root, document_id)
    return _render(path, page_number, path.stat().st_mtime_ns)
