"""``extract``: one file in, one ``ExtractedDocument`` out, or an ``ExtractionError``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cluster_nlp.ingest.document import assemble
from cluster_nlp.ingest.engines import Engine, read_pdf
from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.ingest.text_files import TEXT_SUFFIXES, read_text
from cluster_nlp.records import ExtractedDocument
from cluster_nlp.statuses import ErrorClass

PDF_MAGIC = b"%PDF-"
# The PDF header may follow some junk; readers look for it in the first kilobyte.
_MAGIC_WINDOW = 1024


def extract(
    path: Path,
    engine: Engine = "auto",
    ocr: bool = True,
    *,
    max_pages: int | None = None,
) -> ExtractedDocument:
    """Read a PDF (recognised by its content), ``.txt`` or ``.md`` file.

    ``engine`` picks the PDF engine (see ``engines``); ``ocr`` allows Tesseract for pages without
    a usable text layer; ``max_pages`` reads only the first pages. Raises ``ExtractionError``
    with a one-line reason for a file that cannot be read.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExtractionError(
            f"cannot read the file: {error.strerror or error}", ErrorClass.UNSUPPORTED
        ) from error
    if not data:
        raise ExtractionError("empty file (0 bytes)", ErrorClass.EMPTY)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        page = read_text(data, markdown=suffix == ".md")
        return assemble(str(path), digest, [page])
    if PDF_MAGIC in data[:_MAGIC_WINDOW]:
        reading = read_pdf(data, engine, ocr, max_pages)
        return assemble(str(path), digest, reading.pages, reading.title)
    if suffix == ".pdf":
        raise ExtractionError("not a PDF: the file has no %PDF- header", ErrorClass.NOT_PDF)
    raise ExtractionError(
        f"unsupported file type {suffix or '(no extension)'}: expected .pdf, .txt or .md",
        ErrorClass.UNSUPPORTED,
    )
