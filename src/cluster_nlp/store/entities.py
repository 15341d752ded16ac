"""Repository functions for entities: each extractor version's mentions, stored whole once."""

from __future__ import annotations

from sqlalchemy import exists, select

from cluster_nlp.records import Entity
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.documents import SessionFactory, record_from_row
from cluster_nlp.store.models import DocumentRow, EntityExtractionRow, EntityRow


def _extracted(extractor_version: str):
    return exists().where(
        EntityExtractionRow.document_id == DocumentRow.id,
        EntityExtractionRow.extractor_version == extractor_version,
    )


def documents_to_extract(sessions: SessionFactory, extractor_version: str) -> list[str]:
    """Readable documents that this extractor version has not processed yet."""
    with sessions() as session:
        return list(
            session.scalars(
                select(DocumentRow.id)
                .where(DocumentRow.status == DocumentStatus.OK.value)
                .where(~_extracted(extractor_version))
                .order_by(DocumentRow.created_at, DocumentRow.id)
            )
        )


def save_entities(
    sessions: SessionFactory, document_id: str, extractor_version: str, entities: list[Entity]
) -> bool:
    """Store one extractor version's entities of a document; False when they are stored already.

    The marker row and the entities go in one transaction: a document is either processed
    whole by a version or not at all.
    """
    with sessions.begin() as session:
        stored = session.scalar(
            select(EntityExtractionRow.id).where(
                EntityExtractionRow.document_id == document_id,
                EntityExtractionRow.extractor_version == extractor_version,
            )
        )
        if stored is not None:
            return False
        session.add(
            EntityExtractionRow(
                document_id=document_id,
                extractor_version=extractor_version,
                entity_count=len(entities),
            )
        )
        session.add_all(
            EntityRow(
                document_id=document_id,
                extractor_version=extractor_version,
                **entity.model_dump(mode="json"),  # the columns are the record's fields
            )
            for entity in entities
        )
    return True


def load_entities(
    sessions: SessionFactory, document_id: str, extractor_version: str | None = None
) -> list[Entity]:
    """Entities of a document, by one extractor version or, by default, the newest stored."""
    with sessions() as session:
        if extractor_version is None:
            extractor_version = session.scalar(
                select(EntityExtractionRow.extractor_version)
                .where(EntityExtractionRow.document_id == document_id)
                .order_by(EntityExtractionRow.created_at.desc(), EntityExtractionRow.id.desc())
                .limit(1)
            )
        rows = session.scalars(
            select(EntityRow)
            .where(
                EntityRow.document_id == document_id,
                EntityRow.extractor_version == extractor_version,
            )
            .order_by(EntityRow.start, EntityRow.end)
        )
        return [record_from_row(Entity, row) for row in rows]
