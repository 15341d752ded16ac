"""The reference engine: words and tables of each page from pdfplumber (pdfminer.six).

Slower than pdfium (3-12 pages/s here) but with a table finder, and it reads some files PDFium
refuses. ``x_tolerance=1.5`` keeps the words of LaTeX PDFs apart, where the default glues them
("Когдаунаспризнакинезависимы"); each page is closed after use, which keeps a 352-page book at
tens of MB instead of 1.5 GB.
"""

from __future__ import annotations

import io
import logging

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfexceptions import PDFException, PSException
from pdfplumber.utils.exceptions import PdfminerException

from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.ingest.layout import Word
from cluster_nlp.ingest.pages import RawPage, dominant_direction
from cluster_nlp.ingest.tables import GridTable, is_data_table
from cluster_nlp.statuses import ErrorClass

ENGINE = "pdfplumber"
X_TOLERANCE = 1.5

# pdfminer logs a warning for every broken font or stream it steps over; the outcome of a page
# is recorded in its quality instead, so only its errors stay on.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
# What reading a page of an open document raises on broken content (pdfplumber wraps what the
# layout step raises in PdfminerException).
_PAGE_ERRORS = (PdfminerException, PDFException, PSException)


def _failure(error: BaseException, where: str = "") -> ExtractionError:
    """The one-line reason and class of what pdfminer (or pdfplumber around it) raised."""
    cause = error.args[0] if isinstance(error, PdfminerException) and error.args else error
    detail = " ".join(str(cause).split()) or type(cause).__name__
    if isinstance(cause, PDFPasswordIncorrect):
        return ExtractionError(f"{where}encrypted: needs a password", ErrorClass.ENCRYPTED)
    if isinstance(cause, PDFEncryptionError):
        message = f"{where}encrypted: pdfminer cannot decrypt it ({detail[:200]})"
        return ExtractionError(message, ErrorClass.ENCRYPTED)
    if isinstance(cause, MemoryError | RecursionError):
        message = f"{where}too deep or too big for pdfminer ({type(cause).__name__})"
        return ExtractionError(message, ErrorClass.RESOURCE_LIMIT)
    message = f"{where}malformed PDF: pdfminer cannot parse it ({detail[:200]})"
    return ExtractionError(message, ErrorClass.CORRUPT)


class PlumberDocument:
    """An open PDF; raises ``ExtractionError`` when pdfminer cannot open it."""

    def __init__(self, data: bytes) -> None:
        try:
            self._pdf = pdfplumber.open(io.BytesIO(data))
            self._pages = self._pdf.pages
        # pdfminer raises many types on broken files (syntax, key, type, value, recursion
        # errors); each is turned into one clear line here, at the boundary of the library.
        except Exception as error:
            raise _failure(error) from error

    def __len__(self) -> int:
        return len(self._pages)

    def close(self) -> None:
        self._pdf.close()

    def title(self) -> str | None:
        title = self._pdf.metadata.get("Title")
        if isinstance(title, bytes):
            title = title.decode("utf-8", "replace")
        return title if isinstance(title, str) else None

    def read_page(self, index: int, with_tables: bool = True) -> RawPage:
        """Words (and, with ``with_tables``, tables found by pdfplumber) of page ``index``."""
        page = self._pages[index]
        try:
            x0, top = page.bbox[0], page.bbox[1]
            items = page.extract_words(x_tolerance=X_TOLERANCE, keep_blank_chars=False)
            words = [
                Word(
                    item["text"],
                    item["x0"] - x0,
                    item["top"] - top,
                    item["x1"] - x0,
                    item["bottom"] - top,
                )
                for item in items
            ]
            directions = {"ltr": 0, "ttb": 0, "btt": 0}
            for item in items:
                if len(item["text"]) >= 3:
                    direction = item.get("direction", "ltr")
                    directions[direction if direction in directions else "ltr"] += 1
            tables = self._tables(page, x0, top) if with_tables else None
            area = page.width * page.height
            image_area = sum(
                max(0.0, image["x1"] - image["x0"]) * max(0.0, image["bottom"] - image["top"])
                for image in page.images
            )
            coverage = min(1.0, image_area / area) if area > 0 else 0.0
            return RawPage(
                float(page.width),
                float(page.height),
                ENGINE,
                words,
                [],
                tables,
                coverage,
                dominant_direction(directions),
            )
        except _PAGE_ERRORS as error:
            raise _failure(error, f"page {index + 1}: ") from error
        finally:
            page.close()

    def tables(self, index: int) -> list[GridTable]:
        """Only the tables of page ``index`` (for pages the fast engine found rules on)."""
        page = self._pages[index]
        try:
            return self._tables(page, page.bbox[0], page.bbox[1])
        except _PAGE_ERRORS as error:
            raise _failure(error, f"page {index + 1}: ") from error
        finally:
            page.close()

    @staticmethod
    def _tables(page: pdfplumber.page.Page, x0: float, top: float) -> list[GridTable]:
        found = []
        for table in page.find_tables():
            cells = table.extract(x_tolerance=X_TOLERANCE)
            if is_data_table(cells):
                left, upper, right, lower = table.bbox
                found.append(GridTable((left - x0, upper - top, right - x0, lower - top), cells))
        return found
