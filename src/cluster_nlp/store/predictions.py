"""Repository functions for predictions: each model version tags a document once."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from cluster_nlp.records import Prediction
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.documents import SessionFactory, record_from_row
from cluster_nlp.store.models import DocumentRow, PredictionRow


def documents_to_tag(sessions: SessionFactory, model_version: str) -> list[str]:
    """Readable documents that ``model_version`` has not tagged yet, oldest first."""
    tagged = exists().where(
        PredictionRow.document_id == DocumentRow.id, PredictionRow.model_version == model_version
    )
    with sessions() as session:
        return list(
            session.scalars(
                select(DocumentRow.id)
                .where(DocumentRow.status == DocumentStatus.OK.value, ~tagged)
                .order_by(DocumentRow.created_at, DocumentRow.id)
            )
        )


def save_prediction(sessions: SessionFactory, prediction: Prediction) -> bool:
    """Store a prediction; False when this model version had tagged the document already."""
    payload = prediction.model_dump(mode="json")  # the columns are the record's fields
    try:
        with sessions.begin() as session:
            stored = session.scalar(
                select(PredictionRow.id).where(
                    PredictionRow.document_id == prediction.document_id,
                    PredictionRow.model_version == prediction.model_version,
                )
            )
            if stored is not None:
                return False
            session.add(PredictionRow(**payload))
    except IntegrityError:
        # A concurrent run stored the same (document, version) first; anything else goes up.
        if load_prediction(sessions, prediction.document_id, prediction.model_version) is None:
            raise
        return False
    return True


def load_prediction(
    sessions: SessionFactory, document_id: str, model_version: str
) -> Prediction | None:
    with sessions() as session:
        row = session.scalar(
            select(PredictionRow).where(
                PredictionRow.document_id == document_id,
                PredictionRow.model_version == model_version,
            )
        )
        if row is None:
            return None
        return record_from_row(Prediction, row)


def newest_prediction(sessions: SessionFactory, document_id: str) -> Prediction | None:
    """The most recent prediction stored for a document, by whichever model version."""
    with sessions() as session:
        row = session.scalar(
            select(PredictionRow)
            .where(PredictionRow.document_id == document_id)
            .order_by(PredictionRow.created_at.desc(), PredictionRow.id.desc())
            .limit(1)
        )
        return None if row is None else record_from_row(Prediction, row)
