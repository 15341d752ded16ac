"""Files in, ``ExtractedDocument`` records out: PDFs through two engines and one layout logic.

``extract(path, engine="auto", ocr=True)`` reads one file; ``ExtractionError`` says in one line
why a file cannot be read.

The names are loaded on first use: importing ``cluster_nlp.ingest.pipeline`` to find out that
an unchanged folder needs no parsing must not import the PDF engines.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cluster_nlp.ingest.engines import Engine
    from cluster_nlp.ingest.errors import ExtractionError
    from cluster_nlp.ingest.extraction import extract

__all__ = ["Engine", "ExtractionError", "extract"]

_HOMES = {
    "Engine": "cluster_nlp.ingest.engines",
    "ExtractionError": "cluster_nlp.ingest.errors",
    "extract": "cluster_nlp.ingest.extraction",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
