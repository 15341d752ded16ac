"""Naming a stored document (id, id prefix, path) and forgetting it, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from review_store import build_document, entity, store_tagged
from sqlalchemy import func, select

from cluster_nlp.records import Decision
from cluster_nlp.store.claims import claim
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import save_decision
from cluster_nlp.store.documents import remember_path
from cluster_nlp.store.forget import (
    DEPENDENT_ROWS,
    DocumentNotFound,
    HasDecisions,
    forget_document,
    resolve_document,
)
from cluster_nlp.store.models import DecisionRow, DocumentRow, TableRow
from cluster_nlp.store.search import search_documents, store_passage_vectors


class HalfEmbedder:
    def passages(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 4), 0.5, dtype=np.float32)


@pytest.fixture
def stored(store_url):
    sessions = open_store(store_url)
    ids = {}
    for name in ("kept", "gone"):
        document = build_document(f"inbox/{name}.pdf", [f"Технопарк {name} в Томске."])
        found = [entity(document, "Томске", "LOC", region_code="RU-TOM")]
        ids[name] = store_tagged(sessions, document, found)
    remember_path(sessions, ids["gone"], "copies/gone-again.pdf")
    store_passage_vectors(sessions, HalfEmbedder(), "test")
    assert claim(sessions, "tags", [ids["gone"]], "run-1", ttl_s=600)
    save_decision(sessions, Decision(document_id=ids["gone"], analyst="anna", functions=[]))
    with sessions.begin() as session:  # "kept" stands for a newer version of the same path
        session.get(DocumentRow, ids["kept"]).replaces_id = ids["gone"]
        session.add_all(
            TableRow(document_id=document_id, page=1, cells=[["a", "b"]], bbox=None)
            for document_id in ids.values()
        )
    return sessions, ids


def counts(sessions, document_id: str) -> dict[str, int]:
    with sessions() as session:
        return {
            table.__tablename__: session.scalar(
                select(func.count()).select_from(table).where(table.document_id == document_id)
            )
            for table in (*DEPENDENT_ROWS, DecisionRow)
        } | {
            "documents": session.scalar(
                select(func.count()).select_from(DocumentRow).where(DocumentRow.id == document_id)
            )
        }


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("inbox/gone.pdf", "gone"),
        ("copies/gone-again.pdf", "gone"),  # any path it was seen under
        ("full-id", "gone"),
        ("prefix", "gone"),
        ("inbox/elsewhere.pdf", None),
        ("abc", None),  # too short to be a prefix
        ("zzzzzzzz", None),  # not hexadecimal
    ],
)
def test_resolve_document(stored, reference: str, expected: str | None):
    sessions, ids = stored
    if reference == "full-id":
        reference = ids["gone"]
    elif reference == "prefix":
        reference = ids["gone"][:10].upper()
    if expected is None:
        with pytest.raises(DocumentNotFound):
            resolve_document(sessions, reference)
    else:
        assert resolve_document(sessions, reference) == ids[expected]


def test_forget_refuses_decisions_and_then_removes_every_row(stored):
    sessions, ids = stored
    before = counts(sessions, ids["gone"])
    assert all(before.values()), before  # every kind of row exists to be deleted
    with pytest.raises(HasDecisions):
        forget_document(sessions, ids["gone"])
    assert counts(sessions, ids["gone"]) == before
    kept_before = counts(sessions, ids["kept"])
    forgotten = forget_document(sessions, ids["gone"], with_decisions=True)
    assert forgotten.rows["decisions"] == 1 and forgotten.rows["documents"] == 1
    assert set(counts(sessions, ids["gone"]).values()) == {0}
    assert counts(sessions, ids["kept"]) == kept_before
    with sessions() as session:
        assert session.get(DocumentRow, ids["kept"]).replaces_id is None
    assert search_documents(sessions, "gone") == []
    assert search_documents(sessions, "kept") == [ids["kept"]]
