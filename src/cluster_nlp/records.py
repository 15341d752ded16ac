"""The shared nouns of the pipeline.

Every stage speaks in these records: ingestion produces an ``ExtractedDocument`` made of
``Page``, ``Table`` and ``Passage`` records; the store persists them; later stages read them
back. Invariants are validated here once, so no stage has to re-check them.
"""

from __future__ import annotations

from datetime import datetime
from os import PathLike
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cluster_nlp.pathtext import path_text, valid_text
from cluster_nlp.statuses import DocumentStatus, ErrorClass, PageStatus


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BBox(Record):
    """A box in PDF points, origin at the top-left of the page (pdfplumber's convention)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x1 < self.x0 or self.bottom < self.top:
            raise ValueError(f"bbox corners out of order: {self}")
        return self

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            top=min(self.top, other.top),
            x1=max(self.x1, other.x1),
            bottom=max(self.bottom, other.bottom),
        )


class PageQuality(Record):
    """How far a page's text layer can be trusted (see ``ingest.quality``)."""

    grade: Annotated[float, Field(ge=0.0, le=1.0)]
    letters: int = Field(ge=0)
    letter_ratio: Annotated[float, Field(ge=0.0, le=1.0)]
    cyrillic_ratio: Annotated[float, Field(ge=0.0, le=1.0)]
    issues: tuple[str, ...] = ()
    repaired: bool = False  # cp1251-read-as-Latin-1 mojibake was decoded back


class Table(Record):
    page: int = Field(ge=1)
    bbox: BBox | None = None
    cells: list[list[str | None]]

    @model_validator(mode="after")
    def _not_empty(self) -> Table:
        if not self.cells:
            raise ValueError("a table needs at least one row")
        return self


class Page(Record):
    number: int = Field(ge=1)
    width: float = Field(ge=0.0)
    height: float = Field(ge=0.0)
    text: str
    status: PageStatus = PageStatus.OK
    engine: str
    quality: PageQuality
    tables: list[Table] = []


class Passage(Record):
    """A paragraph of the document's running text.

    ``start``/``end`` are character offsets into ``ExtractedDocument.text``; ``bbox`` points
    back to the place on the page, so evidence can be shown where it was read.
    """

    page: int = Field(ge=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    lang: str
    bbox: BBox | None = None

    @model_validator(mode="after")
    def _span(self) -> Passage:
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"passage span {self.start}:{self.end} does not fit text of length {len(self.text)}"
            )
        return self


class ExtractedDocument(Record):
    """What ingestion makes of one file, before it is stored."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    status: DocumentStatus
    error: str | None = None
    error_class: ErrorClass | None = None
    title: str | None = None
    lang: str | None = None
    engine: str | None = None
    text: str = ""
    pages: list[Page] = []
    passages: list[Passage] = []

    # A file name that is not valid UTF-8 (or an error message quoting one) must still be
    # storable and printable: see ``cluster_nlp.pathtext``.
    @field_validator("path", mode="before")
    @classmethod
    def _path_as_text(cls, path: object) -> object:
        return path_text(path) if isinstance(path, (str, bytes, PathLike)) else path

    @field_validator("error")
    @classmethod
    def _error_as_text(cls, error: str | None) -> str | None:
        return valid_text(error) if error is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> ExtractedDocument:
        failed = self.status is DocumentStatus.FAILED
        if failed and not (self.error and self.error_class):
            raise ValueError("a failed document needs an error and its error class")
        if self.error_class and not failed:
            raise ValueError("only a failed document has an error class")
        for passage in self.passages:
            if self.text[passage.start : passage.end] != passage.text:
                raise ValueError(f"passage at {passage.start}:{passage.end} does not match text")
        numbers = [page.number for page in self.pages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"pages must be numbered 1..n in order, got {numbers[:10]}")
        return self

    @property
    def page_count(self) -> int:
        return len(self.pages)


class Entity(Record):
    """A mention found in a document: offsets into ``ExtractedDocument.text``.

    ``normalized`` holds the canonical value where one exists: a region or country code, an
    amount and currency, an ISO date or year. ``component`` names what found the mention.
    """

    text: str = Field(min_length=1)
    label: str = Field(pattern=r"^[A-Z_]+$")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    page: int | None = Field(default=None, ge=1)
    normalized: dict[str, str | float | int | None] | None = None
    component: str

    @model_validator(mode="after")
    def _span(self) -> Entity:
        if self.end <= self.start:
            raise ValueError(f"entity span {self.start}:{self.end} is empty or reversed")
        return self


class Evidence(Record):
    """A passage that supports a label, with where it stands and how strongly it speaks."""

    text: str
    page: int = Field(ge=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    bbox: BBox | None = None


class GroupPrediction(Record):
    """One label group's outcome: the chosen ids, every id's probability, the borderline ids."""

    labels: list[str]
    scores: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]
    needs_review: list[str] = []

    @model_validator(mode="after")
    def _known(self) -> GroupPrediction:
        unscored = [
            label for label in [*self.labels, *self.needs_review] if label not in self.scores
        ]
        if unscored:
            raise ValueError(f"label {unscored[0]!r} has no score")
        return self


class Relevance(Record):
    """Whether a document is about a cluster, hub, network, programme or AI ecosystem; an
    off-topic document gets no labels."""

    relevant: bool
    score: Annotated[float, Field(ge=0.0, le=1.0)]


class Prediction(Record):
    """A model's tags for one document, with the provenance needed to compare versions."""

    document_id: str
    model_version: str
    model_hash: str
    taxonomy_version: str
    extractor_version: str
    thresholds: dict[str, float]
    # None: stored before relevance decisions existed
    relevance: Relevance | None = None
    groups: dict[str, GroupPrediction]
    evidence: dict[str, list[Evidence]] = {}
    terms: dict[str, list[str]] = {}

    def labels(self, group: str) -> list[str]:
        return list(self.groups[group].labels)


class Decision(Record):
    """An analyst's verdict on a document's labels: per group, the label set that holds.

    A group left ``None`` was not decided. The newest decision on a document and group is its
    label set for training; ``model_version`` says which prediction the analyst was looking
    at when deciding.
    """

    document_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    analyst: str = Field(min_length=1)
    model_version: str | None = None
    formation_type: list[str] | None = None
    functions: list[str] | None = None
    institutional_forms: list[str] | None = None
    note: str | None = None


class GroupDecision(Record):
    """One stored decision on one group of one document, as the history shows it."""

    id: int
    document_id: str
    group: str
    labels: list[str]
    analyst: str
    model_version: str | None = None
    note: str | None = None
    created_at: datetime
    supersedes_id: int | None = None
