"""The closed sets a document, a page or a failure is filed under.

Apart from the records because the commands that only look files up (the re-ingest of an
unchanged folder) need these names and none of the pydantic models: importing the records
module costs about 0.01 s of a 0.3 s command.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NEEDS_OCR = "needs_ocr"


class ErrorClass(StrEnum):
    """Why a file could not be read: the closed set every failure is filed under.

    docs/reliability.md says what each class means and what a user can do about it.
    """

    CORRUPT = "corrupt"  # a PDF whose structure the parsers cannot read, or that crashes them
    ENCRYPTED = "encrypted"  # needs a password, or uses a security handler we cannot open
    NOT_PDF = "not_pdf"  # named .pdf, but its bytes are something else (HTML, ZIP, PNG, ...)
    EMPTY = "empty"  # 0 bytes, only whitespace, or a PDF without pages
    TIMEOUT = "timeout"  # parsing ran past the per-file time limit
    RESOURCE_LIMIT = "resource_limit"  # parsing needed more memory or nesting than allowed
    TOO_LARGE = "too_large"  # the file is larger than the per-file size limit
    UNSUPPORTED = "unsupported"  # not a document we read: type, encoding, not a regular file


class PageStatus(StrEnum):
    OK = "ok"
    OCR = "ocr"  # text came from Tesseract, not from the PDF's text layer
    NEEDS_OCR = "needs_ocr"  # no usable text layer and no OCR available
    EMPTY = "empty"  # nothing on the page (cover image, blank page) and OCR found nothing
