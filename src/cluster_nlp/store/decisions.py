"""Analysts' decisions: stored as given, read back as each document's newest label set."""

from __future__ import annotations

from sqlalchemy import select

from cluster_nlp.records import Decision
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import DecisionRow
from cluster_nlp.taxonomy import GROUPS


def save_decision(sessions: SessionFactory, decision: Decision) -> None:
    with sessions.begin() as session:
        session.add(
            DecisionRow(
                document_id=decision.document_id,
                analyst=decision.analyst,
                model_version=decision.model_version,
                labels={group: list(getattr(decision, group)) for group in GROUPS},
                note=decision.note,
            )
        )


def latest_decisions(sessions: SessionFactory) -> list[Decision]:
    """The newest decision on each document that has one."""
    with sessions() as session:
        rows = session.scalars(select(DecisionRow).order_by(DecisionRow.created_at, DecisionRow.id))
        newest = {row.document_id: row for row in rows}
        return [
            Decision(
                document_id=row.document_id,
                analyst=row.analyst,
                model_version=row.model_version,
                note=row.note,
                **{group: row.labels.get(group, []) for group in GROUPS},
            )
            for row in newest.values()
        ]
