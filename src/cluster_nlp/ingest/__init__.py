"""Files in, ``ExtractedDocument`` records out: PDFs through two engines and one layout logic.

``extract(path, engine="auto", ocr=True)`` reads one file; ``ExtractionError`` says in one line
why a file cannot be read.
"""

from cluster_nlp.ingest.engines import Engine
from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.ingest.extraction import extract

__all__ = ["Engine", "ExtractionError", "extract"]
