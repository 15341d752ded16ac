"""A page on its way through ingestion: what an engine reads, and what the document keeps."""

from __future__ import annotations

from dataclasses import dataclass, field

from cluster_nlp.ingest.layout import Word
from cluster_nlp.ingest.tables import GridTable, Rule
from cluster_nlp.records import PageQuality, Table
from cluster_nlp.statuses import PageStatus


@dataclass
class RawPage:
    """Words and graphics of a page in PDF points, origin top-left, as displayed (rotated)."""

    width: float
    height: float
    engine: str
    words: list[Word] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    tables: list[GridTable] | None = None  # None: the engine has no table finder of its own
    image_coverage: float = 0.0  # share of the page covered by images
    direction: str = "ltr"  # how most words run: "ltr", or "ttb"/"btt" on a page turned sideways

    @property
    def raw_text(self) -> str:
        return " ".join(word.text for word in self.words)


def dominant_direction(counts: dict[str, int]) -> str:
    """The direction more than half of the counted words run in, else "ltr"."""
    total = sum(counts.values())
    direction, count = max(counts.items(), key=lambda item: item[1], default=("ltr", 0))
    return direction if total and count > total / 2 else "ltr"


@dataclass(frozen=True)
class Block:
    """A paragraph of running text on its way to becoming a ``Passage``."""

    text: str
    bbox: tuple[float, float, float, float] | None = None
    size: float | None = None  # median line height, for telling headings apart


@dataclass
class PageText:
    """A page after engine choice, quality check, OCR and layout: what the document is made of."""

    number: int
    width: float
    height: float
    engine: str
    status: PageStatus
    quality: PageQuality
    blocks: list[Block] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
