"""Records of the labelled corpus: writers' drafts and the merged ``corpus/labels.jsonl``.

``LabelSet`` is the shape of a document's labels (three lists of taxonomy ids). Analysts'
labels, the corpus and classifier predictions all use it, so they can be compared directly.
Which ids are allowed is the taxonomy's business (``LabelSet.unknown_ids``), not the schema's:
a researcher's taxonomy may differ from the packaged one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Annotated, Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cluster_nlp.datafile import validation_message
from cluster_nlp.taxonomy import GROUPS, Taxonomy, UnknownLabelError

M = TypeVar("M", bound=BaseModel)

DOC_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

DocId = Annotated[str, Field(pattern=DOC_ID_PATTERN)]
# A writing batch: which pass (and so which writer) made a document, e.g. "w3"; the test split
# is meant to be drawn by batch, so that test documents come from writers unseen in training.
BatchId = Annotated[str, Field(pattern=DOC_ID_PATTERN)]
Quote = Annotated[str, Field(min_length=1)]
Lang = Literal["ru", "en"]


class CorpusError(ValueError):
    """Base of the corpus tooling's errors; every message is one line."""


class Genre(StrEnum):
    ANNUAL_REPORT = "annual_report"
    STRATEGY_SECTION = "strategy_section"
    PRESS_RELEASE = "press_release"
    PROGRAMME_DESCRIPTION = "programme_description"
    MEETING_MINUTES = "meeting_minutes"
    ACADEMIC_ABSTRACT = "academic_abstract"
    ACADEMIC_PAPER = "academic_paper"
    GRANT_CALL = "grant_call"
    NEWS = "news"
    ANALYTICAL_NOTE = "analytical_note"
    INTERVIEW = "interview"
    REVIEWED = "reviewed"  # a stored document an analyst labelled (``cluster-nlp export-labels``)


class Split(StrEnum):
    TRAIN = "train"
    TEST = "test"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LabelSet(_Model):
    """A document's labels: taxonomy ids per group; any list may be empty."""

    formation_type: list[str] = []
    functions: list[str] = []
    institutional_forms: list[str] = []

    @model_validator(mode="after")
    def _no_repeats(self) -> LabelSet:
        for group in GROUPS:
            ids = getattr(self, group)
            repeated = sorted({label_id for label_id in ids if ids.count(label_id) > 1})
            if repeated:
                raise ValueError(f"{group} lists {repeated[0]!r} twice")
        return self

    def ids(self, group: str) -> list[str]:
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r}; groups are {', '.join(GROUPS)}")
        return list(getattr(self, group))

    def all_ids(self) -> list[str]:
        return [label_id for group in GROUPS for label_id in getattr(self, group)]

    @property
    def total(self) -> int:
        return len(self.all_ids())

    def unknown_ids(self, taxonomy: Taxonomy) -> list[tuple[str, str]]:
        """(group, id) pairs that ``taxonomy`` does not define in that group."""
        return [
            (group, label_id)
            for group in GROUPS
            for label_id in getattr(self, group)
            if label_id not in taxonomy.group_ids(group)
        ]

    def require_known(self, taxonomy: Taxonomy, owner: str) -> None:
        """Raise a one-line ``UnknownLabelError`` naming ``owner`` at the first unknown id."""
        unknown = self.unknown_ids(taxonomy)
        if unknown:
            group, label_id = unknown[0]
            raise UnknownLabelError(f"{owner} has unknown {group} id {label_id!r}")

    def label_set(self) -> LabelSet:
        """Just the labels (records that extend ``LabelSet`` drop their other fields)."""
        return LabelSet(**{group: list(getattr(self, group)) for group in GROUPS})


def label_matrix(label_sets: Sequence[LabelSet], group: str, taxonomy: Taxonomy) -> np.ndarray:
    """0/1 per label set (row) and label of ``group`` (column, in the taxonomy's order)."""
    ids = taxonomy.group_ids(group)
    return np.array(
        [[int(label in labels.ids(group)) for label in ids] for labels in label_sets], dtype=int
    ).reshape(len(label_sets), len(ids))


class DraftEntity(_Model):
    """A writer's entity: a surface string to be located in the source text."""

    text: Annotated[str, Field(min_length=1)]
    label: str

    @field_validator("text")
    @classmethod
    def _trimmed(cls, text: str) -> str:
        if text != text.strip():
            raise ValueError(f"entity text {text!r} has leading or trailing spaces")
        return text


class EntitySpan(_Model):
    """An entity located in the source markdown: ``text == source[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=1)
    label: str
    text: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _length(self) -> EntitySpan:
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"span {self.start}:{self.end} does not fit text {self.text!r} "
                f"of length {len(self.text)}"
            )
        return self


class RationaleSpan(_Model):
    """A passage that justifies a label, located in the source markdown:
    ``text == source[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=1)
    text: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _length(self) -> RationaleSpan:
        if self.end - self.start != len(self.text):
            raise ValueError(
                f"rationale {self.start}:{self.end} does not fit text {self.text!r} "
                f"of length {len(self.text)}"
            )
        return self


class DraftRecord(LabelSet):
    """One line of a writer's ``corpus/drafts/*.jsonl``.

    ``rationales`` maps a label id to the sentences (or clauses) of the source that justify it,
    quoted exactly; ``None`` means not annotated, ``{}`` annotated with nothing to justify.
    """

    doc_id: DocId
    lang: Lang
    genre: Genre
    batch: BatchId | None = None
    entities: list[DraftEntity] | None = None
    rationales: dict[str, list[Quote]] | None = None
    illustrative: list[str] = []


class RationaleAnnotation(_Model):
    """One line of a rationale file for documents already in ``labels.jsonl``: the quotes per
    label and, optionally, the writing batch."""

    doc_id: DocId
    batch: BatchId | None = None
    rationales: dict[str, list[Quote]]


class LabelRecord(LabelSet):
    """One line of ``corpus/labels.jsonl``; paths are relative to the corpus folder."""

    doc_id: DocId
    path: str
    source: str
    lang: Lang
    genre: Genre
    split: Split
    batch: BatchId | None = None
    entities: list[EntitySpan] | None = None
    # label id -> spans that justify it; None: the document has no rationale annotation
    rationales: dict[str, list[RationaleSpan]] | None = None
    illustrative: list[str] = []

    @field_validator("path", "source")
    @classmethod
    def _relative(cls, value: str) -> str:
        pure = PurePosixPath(value)
        if pure.is_absolute() or ".." in pure.parts or "\\" in value or not pure.parts:
            raise ValueError(f"{value!r} must be a relative path inside the corpus folder")
        return value

    @property
    def labels(self) -> LabelSet:
        return self.label_set()


def pdf_path(doc_id: str) -> str:
    """Where a document's PDF lives, relative to the corpus folder."""
    return f"pdf/{doc_id}.pdf"


def source_path(doc_id: str) -> str:
    """Where a document's markdown source lives, relative to the corpus folder."""
    return f"src/{doc_id}.md"


@dataclass(frozen=True)
class ParsedLine(Generic[M]):
    """One line of a JSONL file: the record, or why it could not be read."""

    number: int
    record: M | None
    error: str | None


def parse_jsonl(path: Path, model: type[M]) -> list[ParsedLine[M]]:
    """Every non-blank line of ``path`` as ``model``; bad lines carry a one-line error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise CorpusError(f"cannot read {path}: {err.strerror}") from err
    parsed: list[ParsedLine[M]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append(ParsedLine(number, model.model_validate(json.loads(line)), None))
        except json.JSONDecodeError as err:
            parsed.append(ParsedLine(number, None, f"{path.name}:{number}: not JSON: {err.msg}"))
        except ValidationError as err:
            parsed.append(
                ParsedLine(number, None, f"{path.name}:{number}: {validation_message(err)}")
            )
    return parsed


def read_jsonl(path: Path, model: type[M]) -> list[M]:
    """Every record of ``path``; raises ``CorpusError`` at the first bad line."""
    records: list[M] = []
    for line in parse_jsonl(path, model):
        if line.error is not None:
            raise CorpusError(line.error)
        records.append(line.record)
    return records


def read_label_records(path: Path) -> list[LabelRecord]:
    if not path.is_file():
        raise CorpusError(f"{path} does not exist: run `cluster-nlp corpus merge` first")
    return read_jsonl(path, LabelRecord)


def write_label_records(path: Path, records: list[LabelRecord]) -> None:
    """Write records sorted by doc id, one JSON object a line, replacing ``path`` atomically."""
    lines = [
        json.dumps(record.model_dump(mode="json"), ensure_ascii=False)
        for record in sorted(records, key=lambda record: record.doc_id)
    ]
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    partial.replace(path)
