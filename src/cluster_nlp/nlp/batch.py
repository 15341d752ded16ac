"""Extract and store entities for stored documents, each extractor version once per document."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cluster_nlp.nlp.choices import extractor_version
from cluster_nlp.nlp.extract import extract_entities
from cluster_nlp.store.documents import SessionFactory, load_document
from cluster_nlp.store.entities import documents_to_extract, save_entities


def extract_stored(
    sessions: SessionFactory,
    document_ids: Iterable[str] | None = None,
    on_document: Callable[[str], None] | None = None,
) -> list[str]:
    """Extract entities of ``document_ids`` (default: all not yet processed); returns those done."""
    version = extractor_version()
    pending = documents_to_extract(sessions, version)
    if document_ids is not None:
        wanted = set(document_ids)
        pending = [document_id for document_id in pending if document_id in wanted]
    done = []
    for document_id in pending:
        document = load_document(sessions, document_id)
        if save_entities(sessions, document_id, version, extract_entities(document)):
            done.append(document_id)
        if on_document:
            on_document(document_id)
    return done
