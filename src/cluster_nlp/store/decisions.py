"""Analysts' decisions: one row per document and label group, never changed.

A later decision on the same document and group supersedes the earlier one (the new row
names it in ``supersedes_id``); both are kept, and the newest counts. Rows written before the
review app carry no group and decide every group at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import select

from cluster_nlp.records import Decision, GroupDecision
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import DecisionRow
from cluster_nlp.store.predictions import newest_prediction
from cluster_nlp.taxonomy import GROUPS


def _groups_of(row: DecisionRow) -> list[str]:
    if row.label_group is not None:
        return [row.label_group]
    return [group for group in GROUPS if group in row.labels]


def _record(row: DecisionRow, group: str) -> GroupDecision:
    return GroupDecision(
        id=row.id,
        document_id=row.document_id,
        group=group,
        labels=list(row.labels.get(group, [])),
        analyst=row.analyst,
        model_version=row.model_version,
        note=row.note,
        created_at=row.created_at,
        supersedes_id=row.supersedes_id,
    )


def _newest_rows(session, document_ids: Iterable[str] | None = None) -> dict:
    """(document, group) -> the newest row deciding it."""
    query = select(DecisionRow).order_by(DecisionRow.created_at, DecisionRow.id)
    if document_ids is not None:
        query = query.where(DecisionRow.document_id.in_(list(document_ids)))
    newest = {}
    for row in session.scalars(query):
        for group in _groups_of(row):
            newest[row.document_id, group] = row
    return newest


def save_group_decision(
    sessions: SessionFactory,
    document_id: str,
    group: str,
    labels: list[str],
    analyst: str,
    note: str | None = None,
    model_version: str | None = None,
) -> GroupDecision:
    """Store an analyst's labels for one group; the newest decision before it is superseded."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; groups are {', '.join(GROUPS)}")
    with sessions.begin() as session:
        previous = _newest_rows(session, [document_id]).get((document_id, group))
        row = DecisionRow(
            document_id=document_id,
            analyst=analyst,
            model_version=model_version,
            label_group=group,
            labels={group: list(dict.fromkeys(labels))},
            note=note or None,
            supersedes_id=previous.id if previous is not None else None,
        )
        session.add(row)
        session.flush()
        return _record(row, group)


def save_decision(sessions: SessionFactory, decision: Decision) -> list[GroupDecision]:
    """Store every group the decision decides, one row each."""
    return [
        save_group_decision(
            sessions,
            decision.document_id,
            group,
            labels,
            decision.analyst,
            decision.note,
            decision.model_version,
        )
        for group in GROUPS
        if (labels := getattr(decision, group)) is not None
    ]


def decision_history(sessions: SessionFactory, document_id: str) -> list[GroupDecision]:
    """Every decision on a document, newest first, superseded ones included."""
    with sessions() as session:
        rows = session.scalars(
            select(DecisionRow)
            .where(DecisionRow.document_id == document_id)
            .order_by(DecisionRow.created_at.desc(), DecisionRow.id.desc())
        )
        return [_record(row, group) for row in rows for group in _groups_of(row)]


def current_decisions(
    sessions: SessionFactory, document_ids: Iterable[str] | None = None
) -> dict[tuple[str, str], GroupDecision]:
    """(document, group) -> the decision that holds now, for the given documents or all."""
    with sessions() as session:
        return {
            key: _record(row, key[1]) for key, row in _newest_rows(session, document_ids).items()
        }


def latest_decisions(sessions: SessionFactory) -> list[Decision]:
    """Each decided document's label sets: the newest decision per group, None where undecided."""
    by_document: dict[str, dict[str, GroupDecision]] = {}
    for (document_id, group), decision in current_decisions(sessions).items():
        by_document.setdefault(document_id, {})[group] = decision
    decisions = []
    for document_id, groups in by_document.items():
        newest = max(groups.values(), key=lambda decision: (decision.created_at, decision.id))
        decisions.append(
            Decision(
                document_id=document_id,
                analyst=newest.analyst,
                model_version=newest.model_version,
                note=newest.note,
                **{group: groups[group].labels if group in groups else None for group in GROUPS},
            )
        )
    return decisions


class LabelAction(StrEnum):
    ACCEPT = "accept"  # keep (or take) the label
    REJECT = "reject"  # drop the label
    ADD = "add"  # add a label the model did not give


def decide_label(
    sessions: SessionFactory,
    document_id: str,
    group: str,
    label: str,
    action: LabelAction,
    analyst: str,
    note: str | None = None,
) -> GroupDecision:
    """One click on one label: the group's labels as they hold now, with the label kept or
    dropped, stored as a new decision on the group."""
    holding = current_decisions(sessions, [document_id]).get((document_id, group))
    prediction = newest_prediction(sessions, document_id)
    if holding is not None:
        labels = list(holding.labels)
    else:
        labels = prediction.labels(group) if prediction and group in prediction.groups else []
    if action is LabelAction.REJECT:
        labels = [kept for kept in labels if kept != label]
    elif label not in labels:
        labels.append(label)
    return save_group_decision(
        sessions,
        document_id,
        group,
        labels,
        analyst,
        note,
        prediction.model_version if prediction else None,
    )
