"""What a store must hold after any crash and a completed rerun (the crash-consistency tests).

``check_store`` asserts every invariant and returns the records lost (always zero when it
returns): documents, paths, predictions and entity extractions that should be there and are not.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select, text

from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import (
    DecisionRow,
    DocumentPathRow,
    DocumentRow,
    EntityExtractionRow,
    EntityRow,
    PageRow,
    PassageRow,
    PredictionRow,
    RunRow,
    TableRow,
    WorkClaimRow,
)

# Every table whose rows belong to a document.
CHILD_TABLES = (
    DocumentPathRow,
    PageRow,
    PassageRow,
    TableRow,
    EntityExtractionRow,
    EntityRow,
    PredictionRow,
    DecisionRow,
)


def decisions(store_url: str) -> list[tuple]:
    """The analysts' decisions, comparable before and after a crash."""
    with open_store(store_url)() as session:
        rows = session.scalars(select(DecisionRow).order_by(DecisionRow.id))
        return [(r.id, r.document_id, r.analyst, r.labels, r.note) for r in rows]


def integrity_problems(store_url: str) -> list[str]:
    """SQLite's own checks of the file and its foreign keys (PostgreSQL checks on write)."""
    if not store_url.startswith("sqlite"):
        return []
    with open_store(store_url)().connection() as connection:
        integrity = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
        foreign = list(connection.execute(text("PRAGMA foreign_key_check")))
    return ([] if integrity == ["ok"] else integrity) + [str(row) for row in foreign]


def assert_rows_whole(store_url: str) -> None:
    """Every document has all its pages (and passages when readable); every extraction all its
    entities: a crash leaves whole rows only, whether or not a rerun followed."""
    with open_store(store_url)() as session:
        documents = session.execute(
            select(DocumentRow.id, DocumentRow.page_count, DocumentRow.status)
        ).all()
        pages = Counter(session.scalars(select(PageRow.document_id)))
        passages = Counter(session.scalars(select(PassageRow.document_id)))
        entities = Counter(
            session.execute(select(EntityRow.document_id, EntityRow.extractor_version)).all()
        )
        extractions = session.execute(
            select(
                EntityExtractionRow.document_id,
                EntityExtractionRow.extractor_version,
                EntityExtractionRow.entity_count,
            )
        ).all()
    for document_id, page_count, status in documents:
        assert pages.get(document_id, 0) == page_count, f"{document_id[:12]} lost pages"
        if status == "ok":
            assert passages.get(document_id, 0) > 0, f"{document_id[:12]} has no passages"
    for document_id, version, count in extractions:
        assert entities[(document_id, version)] == count, f"{document_id[:12]} lost entities"
    assert integrity_problems(store_url) == []


def check_store(
    store_url: str,
    seen: set[tuple[str, str]],
    model_versions: list[str],
    decisions_before: list[tuple],
    extractor: str | None = None,
    allowed: set[tuple[str, str]] | None = None,
) -> dict[str, int]:
    """Assert the invariants after a completed rerun; ``seen``: every (sha256, path) the inbox
    holds, which must be stored; ``allowed``: also those it held at any earlier run or crash,
    which may be (default: ``seen``). Returns the records lost by kind (all zero: a loss fails
    the assertions first)."""
    allowed = seen if allowed is None else allowed | seen
    assert_rows_whole(store_url)
    with open_store(store_url)() as session:
        documents = dict(session.execute(select(DocumentRow.id, DocumentRow.status)).all())
        paths = session.execute(select(DocumentPathRow.document_id, DocumentPathRow.path)).all()
        orphans = {
            table.__tablename__: session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.document_id.not_in(select(DocumentRow.id)))
            )
            for table in CHILD_TABLES
        }
        predictions = Counter(
            session.execute(select(PredictionRow.document_id, PredictionRow.model_version)).all()
        )
        extractions = Counter(
            session.execute(
                select(EntityExtractionRow.document_id, EntityExtractionRow.extractor_version)
            ).all()
        )
        claims = session.scalar(select(func.count()).select_from(WorkClaimRow))
        running = session.scalars(select(RunRow.id).where(RunRow.status == "running")).all()
    hashes = {digest for digest, _ in seen}
    readable = {document for document, status in documents.items() if status == "ok"}
    lost = {
        "documents": len(hashes - set(documents)),
        "paths": len(seen - set(paths)),
        "predictions": sum(
            (document, version) not in predictions
            for document in readable
            for version in model_versions
        ),
        "entity_extractions": 0
        if extractor is None
        else sum((document, extractor) not in extractions for document in readable),
    }
    assert hashes <= set(documents) <= {digest for digest, _ in allowed}, "each SHA-256 stored"
    assert seen <= set(paths) <= allowed, "each (document, path) stored"
    assert len(paths) == len(set(paths)), "each (document, path) once"
    assert orphans == dict.fromkeys(orphans, 0), f"orphan rows: {orphans}"
    assert all(count == 1 for count in predictions.values()), "one prediction per version"
    assert all(count == 1 for count in extractions.values()), "one extraction per version"
    assert lost == dict.fromkeys(lost, 0), f"records lost: {lost}"
    assert decisions(store_url) == decisions_before, "analysts' decisions changed"
    assert claims == 0, f"{claims} stale claims"
    assert running == [], f"runs left at running: {running}"
    return lost
