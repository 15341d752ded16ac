"""Exports of the store an analyst opens: one row per document, and one per entity.

Each table has a fixed schema (``TableSpec``): its columns and their Arrow types follow from
the taxonomy alone, never from the data, so an empty store still writes a header and a
Parquet file with every column. Rows are plain dicts; ``write_table`` writes them as JSONL,
CSV (UTF-8 with a BOM, so a Russian-locale spreadsheet reads Cyrillic; ``;`` on request),
Parquet or an Excel workbook (``write_workbook``, one sheet per table). In CSV and Excel a
list becomes one cell joined with "; " and a mapping one JSON cell.

Per document: labels by group in the language asked (``NameLanguage``), one score column per
label rounded to three decimals beside the threshold it was compared with, the labels
assigned but uncertain kept apart from those close to their threshold but not assigned, the
best evidence passages of each assigned label with their pages, canonical top entities, and
regions with their names. Every table names the document by path and title.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from cluster_nlp.atomic_files import replacing, write_atomically
from cluster_nlp.nlp.canonical import canonical_names, canonical_settings
from cluster_nlp.nlp.gazetteer import load_regions
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import (
    DocumentRow,
    EntityExtractionRow,
    EntityRow,
    PredictionRow,
)
from cluster_nlp.taxonomy import GROUPS, Taxonomy

TOP_ENTITIES = 10
EVIDENCE_PER_LABEL = 3
EVIDENCE_CHARS = 300
SCORE_DECIMALS = 3


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"
    XLSX = "xlsx"


class NameLanguage(StrEnum):
    """How labels and regions are named: Russian or English names, or bare ids and codes."""

    RU = "ru"
    EN = "en"
    ID = "id"


class FormatError(ValueError):
    """The output's suffix and the format asked for disagree, or neither says (one line)."""


SUFFIXES = {".jsonl": ExportFormat.JSONL, ".ndjson": ExportFormat.JSONL, ".csv": ExportFormat.CSV}
SUFFIXES |= {".parquet": ExportFormat.PARQUET, ".xlsx": ExportFormat.XLSX}


def export_format(out: Path | None, asked: ExportFormat | None) -> ExportFormat:
    """The format ``out``'s suffix names, checked against the one asked for; JSONL to stdout."""
    if out is None:
        if asked in (ExportFormat.PARQUET, ExportFormat.XLSX):
            raise FormatError(f"{asked} is binary: give --out FILE")
        return asked or ExportFormat.JSONL
    by_suffix = SUFFIXES.get(out.suffix.lower())
    if by_suffix is None and asked is None:
        known = ", ".join(SUFFIXES)
        raise FormatError(f"cannot tell the format of {out.name!r}: use {known} or --format")
    if by_suffix is not None and asked is not None and by_suffix is not asked:
        raise FormatError(f"--format {asked} disagrees with {out.name!r}: drop one of them")
    return asked or by_suffix


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: pa.Schema

    @property
    def columns(self) -> list[str]:
        return self.schema.names


TEXT, LIST, NUMBER, INTEGER = pa.string(), pa.list_(pa.string()), pa.float64(), pa.int64()
DOCUMENT_COLUMNS = [
    ("path", TEXT),
    ("title", TEXT),
]


def tags_table(taxonomy: Taxonomy) -> TableSpec:
    fields = [("id", TEXT), *DOCUMENT_COLUMNS]
    fields += [("status", TEXT), ("error", TEXT), ("error_class", TEXT)]
    fields += [("lang", TEXT), ("pages", INTEGER)]
    # relevant: the relevance decision (None when untagged, or tagged before it existed)
    fields += [("model_version", TEXT), ("relevant", pa.bool_()), ("relevance_score", NUMBER)]
    fields += [(group, LIST) for group in GROUPS]
    fields += [("uncertain_labels", LIST), ("close_labels", LIST)]
    for label in taxonomy.all_ids():
        fields += [(f"{label}_score", NUMBER), (f"{label}_threshold", NUMBER)]
    fields += [("evidence", LIST), ("top_entities", LIST), ("regions", LIST)]
    fields += [("region_names", LIST)]
    return TableSpec("tags", pa.schema(fields))


ENTITIES_TABLE = TableSpec(
    "entities",
    pa.schema(
        [
            ("document_id", TEXT),
            *DOCUMENT_COLUMNS,
            ("label", TEXT),
            ("text", TEXT),
            ("canonical", TEXT),
            ("value", TEXT),
            ("start", INTEGER),
            ("end", INTEGER),
            ("page", INTEGER),
            ("region", TEXT),
            ("region_name", TEXT),
            ("normalized", TEXT),
            ("component", TEXT),
            ("extractor_version", TEXT),
        ]
    ),
)


def region_code(normalized: dict | None) -> str | None:
    """The Russian federal subject a normalised place belongs to, if any."""
    value = (normalized or {}).get("region_code")
    return value if isinstance(value, str) else None


@cache
def _region_names() -> dict[str, tuple[str, str]]:
    return {s.code: (s.name_ru, s.name_en) for s in load_regions().subjects}


def region_name(code: str | None, names: NameLanguage) -> str | None:
    """The federal subject's name ("Томская область"); the code itself when ids are asked."""
    if code is None or names is NameLanguage.ID:
        return code
    russian, english = _region_names().get(code, (code, code))
    return english if names is NameLanguage.EN else russian


def label_name(taxonomy: Taxonomy, label: str, names: NameLanguage) -> str:
    if names is NameLanguage.ID or label not in taxonomy.all_ids():
        return label
    return getattr(taxonomy.label(label), names.value)


def readable_amount(amount: float) -> str:
    """300000000, 1500000.5: digits as written, never 3e+08."""
    text = format(Decimal(repr(amount)).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def readable_value(label: str, normalized: dict | None) -> str | None:
    """A normalised value as an analyst reads it: "300000000 RUB", "Томск", "2021-03", "15%"."""
    if not normalized:
        return None
    if isinstance(normalized.get("amount"), int | float):
        return f"{readable_amount(normalized['amount'])} {normalized.get('currency') or ''}".strip()
    if isinstance(normalized.get("percent"), int | float):
        return f"{readable_amount(normalized['percent'])}%"
    for key in ("name", "date"):
        if isinstance(normalized.get(key), str):
            return normalized[key]
    return None


def _latest_entities(sessions: SessionFactory) -> dict[str, list[EntityRow]]:
    """Each document's entities from the newest extractor version that processed it."""
    with sessions() as session:
        latest: dict[str, str] = {}
        for document_id, version in session.execute(
            select(EntityExtractionRow.document_id, EntityExtractionRow.extractor_version).order_by(
                EntityExtractionRow.created_at, EntityExtractionRow.id
            )
        ):
            latest[document_id] = version
        grouped: dict[str, list[EntityRow]] = {}
        for row in session.scalars(
            select(EntityRow).order_by(EntityRow.document_id, EntityRow.start)
        ):
            if latest.get(row.document_id) == row.extractor_version:
                grouped.setdefault(row.document_id, []).append(row)
        session.expunge_all()
        return grouped


def _documents(sessions: SessionFactory) -> list:
    with sessions() as session:
        return session.execute(
            select(
                DocumentRow.id,
                DocumentRow.source_path,
                DocumentRow.status,
                DocumentRow.error,
                DocumentRow.error_class,
                DocumentRow.lang,
                DocumentRow.title,
                DocumentRow.page_count,
                DocumentRow.text,
            ).order_by(DocumentRow.source_path, DocumentRow.id)
        ).all()


def _canonical(text: str, found: Sequence[EntityRow]) -> list[str]:
    return canonical_names(text, [(entity.label, entity.text) for entity in found])


def top_entities(text: str, found: Sequence[EntityRow], limit: int = TOP_ENTITIES) -> list[str]:
    """The document's most mentioned entities as "TYPE:canonical name", values left out."""
    skipped = canonical_settings().not_top_entity_types
    counted = Counter(
        f"{entity.label}:{name}"
        for entity, name in zip(found, _canonical(text, found), strict=True)
        if entity.label not in skipped
    )
    return [name for name, _ in counted.most_common(limit)]


def _evidence(taxonomy: Taxonomy, prediction, names: NameLanguage) -> list[str]:
    """The best passages of each assigned label: "name (p. 3): text"."""
    lines = []
    for group in GROUPS:
        for label in prediction.groups[group]["labels"]:
            passages = sorted(
                prediction.evidence.get(label, []), key=lambda item: -item.get("score", 0.0)
            )
            for passage in passages[:EVIDENCE_PER_LABEL]:
                text = " ".join(passage["text"].split())
                if len(text) > EVIDENCE_CHARS:
                    text = text[: EVIDENCE_CHARS - 1] + "…"
                lines.append(f"{label_name(taxonomy, label, names)} (p. {passage['page']}): {text}")
    return lines


def _label_columns(taxonomy: Taxonomy, prediction, names: NameLanguage) -> dict:
    row: dict = {}
    assigned, review = set(), set()
    for group in GROUPS:
        outcome = prediction.groups[group] if prediction else {}
        chosen = list(outcome.get("labels", []))
        assigned |= set(chosen)
        review |= set(outcome.get("needs_review", []))
        row[group] = [label_name(taxonomy, label, names) for label in chosen]
        for label, score in outcome.get("scores", {}).items():
            if label in taxonomy.all_ids():
                row[f"{label}_score"] = round(float(score), SCORE_DECIMALS)
    for label in taxonomy.all_ids():
        row.setdefault(f"{label}_score", None)
        threshold = prediction.thresholds.get(label) if prediction else None
        row[f"{label}_threshold"] = (
            round(float(threshold), SCORE_DECIMALS) if threshold is not None else None
        )
    row["uncertain_labels"] = [label_name(taxonomy, x, names) for x in sorted(review & assigned)]
    row["close_labels"] = [label_name(taxonomy, x, names) for x in sorted(review - assigned)]
    row["evidence"] = _evidence(taxonomy, prediction, names) if prediction else []
    return row


def document_rows(
    sessions: SessionFactory,
    model_version: str,
    taxonomy: Taxonomy,
    names: NameLanguage = NameLanguage.ID,
) -> list[dict]:
    """One row per stored document, in ``tags_table(taxonomy)``'s columns."""
    entities = _latest_entities(sessions)
    with sessions() as session:
        predictions = {
            row.document_id: row
            for row in session.scalars(
                select(PredictionRow).where(PredictionRow.model_version == model_version)
            )
        }
        session.expunge_all()
    rows = []
    for document in _documents(sessions):
        prediction = predictions.get(document.id)
        relevance = (prediction.relevance or {}) if prediction else {}
        found = entities.get(document.id, [])
        codes = sorted({code for e in found if (code := region_code(e.normalized))})
        rows.append(
            {
                "id": document.id,
                "path": document.source_path,
                "title": document.title,
                "status": document.status,
                "error": document.error,
                "error_class": document.error_class,
                "lang": document.lang,
                "pages": document.page_count,
                "model_version": prediction.model_version if prediction else None,
                "relevant": relevance.get("relevant"),
                "relevance_score": relevance.get("score"),
                **_label_columns(taxonomy, prediction, names),
                "top_entities": top_entities(document.text, found),
                "regions": codes,
                "region_names": [region_name(code, names) for code in codes],
            }
        )
    return rows


def entity_rows(sessions: SessionFactory, names: NameLanguage = NameLanguage.RU) -> list[dict]:
    """One row per entity of the newest extraction, naming its document by path and title."""
    found_by_document = _latest_entities(sessions)
    rows = []
    for document in _documents(sessions):
        found = found_by_document.get(document.id, [])
        for entity, canonical in zip(found, _canonical(document.text, found), strict=True):
            code = region_code(entity.normalized)
            rows.append(
                {
                    "document_id": document.id,
                    "path": document.source_path,
                    "title": document.title,
                    "label": entity.label,
                    "text": entity.text,
                    "canonical": canonical,
                    "value": readable_value(entity.label, entity.normalized),
                    "start": entity.start,
                    "end": entity.end,
                    "page": entity.page,
                    "region": code,
                    "region_name": region_name(code, names),
                    "normalized": entity.normalized,
                    "component": entity.component,
                    "extractor_version": entity.extractor_version,
                }
            )
    return rows


def _cell(value: object) -> object:
    """One spreadsheet cell: lists joined, mappings as JSON, numbers as they are."""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _arrow_cell(value: object) -> object:
    return (
        json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value
    )


def csv_text(rows: Iterable[dict], table: TableSpec, separator: str = ",") -> str:
    """The rows as CSV with the table's header, whatever the rows hold (none at all, too)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=table.columns, delimiter=separator, extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows({column: _cell(row.get(column)) for column in table.columns} for row in rows)
    return buffer.getvalue()


def arrow_table(rows: Iterable[dict], table: TableSpec) -> pa.Table:
    return pa.Table.from_pylist(
        [{column: _arrow_cell(row.get(column)) for column in table.columns} for row in rows],
        schema=table.schema,
    )


def write_table(
    rows: Iterable[dict],
    table: TableSpec,
    fmt: ExportFormat,
    out: Path | None = None,
    separator: str = ",",
) -> None:
    """Write rows to ``out`` (standard output when None, for the text formats)."""
    rows = list(rows)
    if fmt is ExportFormat.XLSX:
        if out is None:
            raise FormatError("xlsx is binary: give --out FILE")
        write_workbook([(table, rows)], out)
        return
    if fmt is ExportFormat.PARQUET:
        if out is None:
            raise FormatError("parquet is binary: give --out FILE")
        with replacing(out) as partial:
            pq.write_table(arrow_table(rows, table), partial)
        return
    if fmt is ExportFormat.JSONL:
        text = "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)
    else:
        text = csv_text(rows, table, separator)
    if out is None:
        sys.stdout.write(text)
    elif fmt is ExportFormat.CSV:
        # The BOM is how spreadsheets set to a Russian locale know the file is UTF-8.
        write_atomically(out, "\ufeff" + text)
    else:
        write_atomically(out, text)


def _sheet_cell(sheet, value: object):
    """A cell whose text is never read as a formula, without characters XML cannot hold."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = _cell(value)
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # "=SUM(...)" in a document stays text
    return cell


def write_workbook(tables: Sequence[tuple[TableSpec, list[dict]]], out: Path) -> None:
    """An Excel workbook with one sheet per table, header first, header row frozen."""
    from openpyxl import Workbook  # only the Excel export needs it

    workbook = Workbook(write_only=True)
    for table, rows in tables:
        sheet = workbook.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        sheet.append(table.columns)
        for row in rows:
            sheet.append([_sheet_cell(sheet, row.get(column)) for column in table.columns])
    with replacing(out) as partial:
        workbook.save(partial)
