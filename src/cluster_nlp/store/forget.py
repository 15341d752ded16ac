"""Finding a stored document by what a user types, and forgetting one with all its rows.

A user names a document by its id, the first characters of its id, or a path it was ingested
from. Forgetting removes the document and every row hanging off it in one transaction.
Analysts' decisions are their work, not derived data: a document that has any is only
forgotten when the caller says so (``with_decisions``), never silently.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import delete, select, update

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import (
    DecisionRow,
    DocumentPathRow,
    DocumentRow,
    EntityExtractionRow,
    EntityRow,
    PageRow,
    PassageRow,
    PassageVectorRow,
    PredictionRow,
    TableRow,
    WorkClaimRow,
)
from cluster_nlp.store.vectors import forget_recent, text_key

MIN_PREFIX = 4  # shorter prefixes of a SHA-256 match too much to mean one document
HEX = set("0123456789abcdef")


class DocumentNotFound(LookupError):
    """No stored document answers to what the user typed (one line for the user)."""


class HasDecisions(RuntimeError):
    """The document carries analysts' decisions and the caller did not allow deleting them."""


# Every table with a document_id, children before parents.
DEPENDENT_ROWS = (
    EntityRow,
    EntityExtractionRow,
    PredictionRow,
    WorkClaimRow,
    TableRow,
    PassageRow,
    PageRow,
    DocumentPathRow,
)


class Forgotten(BaseModel):
    document_id: str
    source_path: str
    rows: dict[str, int]  # table -> rows deleted


def resolve_document(sessions: SessionFactory, reference: str, path_id: str | None = None) -> str:
    """The id of the one document ``reference`` names: an id, an id prefix or a stored path.

    ``path_id`` is the SHA-256 of the file at ``reference`` when it is a readable file, so
    a file that moved since it was ingested is still found by its bytes.
    """
    reference = reference.strip()
    with sessions() as session:
        if path_id and session.get(DocumentRow, path_id) is not None:
            return path_id
        by_path = set(
            session.scalars(
                select(DocumentPathRow.document_id).where(DocumentPathRow.path == reference)
            )
        ) | set(session.scalars(select(DocumentRow.id).where(DocumentRow.source_path == reference)))
        if len(by_path) == 1:
            return by_path.pop()
        if len(by_path) > 1:
            raise DocumentNotFound(
                f"{len(by_path)} documents were ingested from {reference!r}: give an id"
            )
        lowered = reference.lower()
        if len(lowered) < MIN_PREFIX or not set(lowered) <= HEX:
            raise DocumentNotFound(f"no stored document is {reference!r} (an id or a path)")
        found = list(
            session.scalars(
                select(DocumentRow.id).where(DocumentRow.id.startswith(lowered)).limit(6)
            )
        )
    if not found:
        raise DocumentNotFound(f"no stored document is {reference!r} (an id or a path)")
    if len(found) > 1:
        shown = ", ".join(found[:5])
        raise DocumentNotFound(f"{reference!r} starts several ids ({shown}): give more of it")
    return found[0]


def _forget_vectors(session, document_id: str) -> int:
    """Delete the vectors of this document's passage texts that no other document holds
    (vectors are kept per text, so a paragraph two documents share keeps its vector)."""
    texts = set(
        session.scalars(select(PassageRow.text).where(PassageRow.document_id == document_id))
    )
    shared = set(
        session.scalars(
            select(PassageRow.text).where(
                PassageRow.document_id != document_id, PassageRow.text.in_(texts)
            )
        )
    )
    keys = [text_key(text) for text in texts - shared]
    if not keys:
        return 0
    result = session.execute(delete(PassageVectorRow).where(PassageVectorRow.text_sha256.in_(keys)))
    forget_recent(keys)
    return result.rowcount


def forget_document(
    sessions: SessionFactory, document_id: str, with_decisions: bool = False
) -> Forgotten:
    """Delete a document and its rows in one transaction; ``HasDecisions`` when analysts
    decided on it and ``with_decisions`` is False (then nothing is deleted)."""
    with sessions.begin() as session:
        document = session.get(DocumentRow, document_id)
        if document is None:
            raise DocumentNotFound(f"no stored document {document_id}")
        decisions = session.scalars(
            select(DecisionRow.id).where(DecisionRow.document_id == document_id)
        ).all()
        if decisions and not with_decisions:
            raise HasDecisions(
                f"{document.source_path} has {len(decisions)} analyst decision(s); "
                "pass --with-decisions to delete them too"
            )
        rows: dict[str, int] = {"passage_vectors": _forget_vectors(session, document_id)}
        for table in (DecisionRow, *DEPENDENT_ROWS):
            result = session.execute(delete(table).where(table.document_id == document_id))
            rows[table.__tablename__] = result.rowcount
        # A newer version of the same path names this one as replaced: that link goes too.
        session.execute(
            update(DocumentRow)
            .where(DocumentRow.replaces_id == document_id)
            .values(replaces_id=None)
        )
        source_path = document.source_path
        session.expunge(document)
        session.execute(delete(DocumentRow).where(DocumentRow.id == document_id))
        rows["documents"] = 1
    return Forgotten(document_id=document_id, source_path=source_path, rows=rows)
