"""Exports of the store: one row per document (tags, scores, entities, regions), and entities.

Rows are plain dicts; ``write_rows`` turns them into JSONL, CSV or Parquet. In CSV, lists
are joined with "; " and mappings written as JSON, so every cell stays one value.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import (
    DocumentRow,
    EntityExtractionRow,
    EntityRow,
    PredictionRow,
)
from cluster_nlp.taxonomy import GROUPS

TOP_ENTITIES = 10


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


def region_code(normalized: dict | None) -> str | None:
    """The Russian federal subject a normalised place belongs to, if any."""
    value = (normalized or {}).get("region_code")
    return value if isinstance(value, str) else None


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


def document_rows(sessions: SessionFactory, model_version: str) -> list[dict]:
    entities = _latest_entities(sessions)
    with sessions() as session:
        predictions = {
            row.document_id: row
            for row in session.scalars(
                select(PredictionRow).where(PredictionRow.model_version == model_version)
            )
        }
        documents = session.execute(
            select(
                DocumentRow.id,
                DocumentRow.source_path,
                DocumentRow.status,
                DocumentRow.error,
                DocumentRow.lang,
                DocumentRow.title,
                DocumentRow.page_count,
            ).order_by(DocumentRow.source_path, DocumentRow.id)
        ).all()
    rows = []
    for document in documents:
        prediction = predictions.get(document.id)
        found = entities.get(document.id, [])
        counted = Counter(f"{e.label}:{e.text}" for e in found)
        row = {
            "id": document.id,
            "path": document.source_path,
            "status": document.status,
            "error": document.error,
            "lang": document.lang,
            "title": document.title,
            "pages": document.page_count,
            "model_version": prediction.model_version if prediction else None,
            # None: not tagged, or tagged before relevance decisions existed
            "relevant": (prediction.relevance or {}).get("relevant") if prediction else None,
            "relevance_score": (prediction.relevance or {}).get("score") if prediction else None,
        }
        for group in GROUPS:
            outcome = prediction.groups[group] if prediction else {}
            row[group] = list(outcome.get("labels", []))
            row[f"{group}_scores"] = dict(outcome.get("scores", {}))
        row["needs_review"] = sorted(
            {
                label
                for group in GROUPS
                for label in (prediction.groups[group]["needs_review"] if prediction else [])
            }
        )
        row["top_entities"] = [name for name, _ in counted.most_common(TOP_ENTITIES)]
        row["regions"] = sorted({code for e in found if (code := region_code(e.normalized))})
        rows.append(row)
    return rows


def entity_rows(sessions: SessionFactory) -> list[dict]:
    rows = []
    for document_id, found in sorted(_latest_entities(sessions).items()):
        for entity in found:
            rows.append(
                {
                    "document_id": document_id,
                    "label": entity.label,
                    "text": entity.text,
                    "start": entity.start,
                    "end": entity.end,
                    "page": entity.page,
                    "normalized": entity.normalized,
                    "region": region_code(entity.normalized),
                    "component": entity.component,
                    "extractor_version": entity.extractor_version,
                }
            )
    return rows


def _csv_cell(value: object) -> object:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _parquet_cell(value: object) -> object:
    return (
        json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else value
    )


def write_rows(rows: Iterable[dict], fmt: ExportFormat, out: Path | None = None) -> None:
    """Write rows to ``out`` (standard output when None; Parquet needs a file)."""
    rows = list(rows)
    if fmt is ExportFormat.PARQUET:
        if out is None:
            raise ValueError("Parquet is binary: give --out FILE")
        table = pa.Table.from_pylist(
            [{k: _parquet_cell(v) for k, v in row.items()} for row in rows]
        )
        pq.write_table(table, out)
        return
    buffer = io.StringIO()
    if fmt is ExportFormat.JSONL:
        for row in rows:
            buffer.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    else:
        columns = list(rows[0]) if rows else []
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: _csv_cell(v) for k, v in row.items()} for row in rows)
    if out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(buffer.getvalue(), encoding="utf-8")
