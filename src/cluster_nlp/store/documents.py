"""Repository functions for documents and runs: records in, records out.

Each document is written in one transaction with its pages, passages and tables, so a run
killed in the middle leaves either the whole document or nothing. Rows once stored are never
changed by a later ingest: new bytes make a new document. The one exception is a failure:
a file that failed under older ingestion code is parsed again, and its failed row (which has
no parts, entities or predictions) takes the new result.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from cluster_nlp.records import (
    DocumentStatus,
    ErrorClass,
    ExtractedDocument,
    Page,
    Passage,
    Record,
    Table,
)
from cluster_nlp.store.abandoned import process_owner, settle_abandoned
from cluster_nlp.store.known import worth_retrying
from cluster_nlp.store.models import (
    DocumentPathRow,
    DocumentRow,
    PageRow,
    PassageRow,
    RunRow,
    TableRow,
    utcnow,
)

SessionFactory = sessionmaker[Session]


def known_ids(sessions: SessionFactory, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    found: set[str] = set()
    with sessions() as session:
        for start in range(0, len(wanted), 500):  # keep IN lists well under driver limits
            chunk = wanted[start : start + 500]
            found.update(session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(chunk))))
    return found


def retryable_ids(
    sessions: SessionFactory,
    ids: Iterable[str],
    text_extractor_version: str,
    attempt: dict | None = None,
) -> set[str]:
    """Stored failures among ``ids`` worth parsing again (see ``worth_retrying``)."""
    wanted = list(set(ids))
    found: set[str] = set()
    with sessions() as session:
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(
                    DocumentRow.id, DocumentRow.text_extractor_version, DocumentRow.failed_under
                ).where(
                    DocumentRow.id.in_(wanted[start : start + 500]),
                    DocumentRow.status == DocumentStatus.FAILED.value,
                )
            )
            found.update(
                row.id
                for row in rows
                if worth_retrying(
                    row.text_extractor_version, row.failed_under, text_extractor_version, attempt
                )
            )
    return found


def remember_path(sessions: SessionFactory, document_id: str, path: str) -> None:
    """Record another name under which known bytes were seen (idempotent)."""
    remember_paths(sessions, {document_id: [path]})


def remember_paths(sessions: SessionFactory, paths_by_id: Mapping[str, Iterable[str]]) -> None:
    """Record the names under which known documents were seen, in one transaction
    (idempotent): a folder re-ingested unchanged costs one query, not one per file."""
    wanted = {document_id: list(dict.fromkeys(paths)) for document_id, paths in paths_by_id.items()}
    ids = list(wanted)
    if not ids:
        return
    for attempt in range(2):
        try:
            with sessions.begin() as session:
                known: set[tuple[str, str]] = set()
                for start in range(0, len(ids), 500):
                    rows = session.execute(
                        select(DocumentPathRow.document_id, DocumentPathRow.path).where(
                            DocumentPathRow.document_id.in_(ids[start : start + 500])
                        )
                    )
                    known.update((row.document_id, row.path) for row in rows)
                session.add_all(
                    DocumentPathRow(document_id=document_id, path=path)
                    for document_id, paths in wanted.items()
                    for path in paths
                    if (document_id, path) not in known
                )
            return
        except IntegrityError:
            # Another writer recorded one of these names meanwhile: the second pass sees it.
            if attempt:
                raise


def _add_paths(session: Session, document_id: str, paths: Iterable[str]) -> None:
    """Record the paths a stored document was not yet known under."""
    known = set(
        session.scalars(
            select(DocumentPathRow.path).where(DocumentPathRow.document_id == document_id)
        )
    )
    for path in dict.fromkeys(paths):
        if path not in known:
            session.add(DocumentPathRow(document_id=document_id, path=path))


def _previous_document_at(session: Session, path: str, new_id: str) -> str | None:
    return session.scalar(
        select(DocumentPathRow.document_id)
        .where(DocumentPathRow.path == path, DocumentPathRow.document_id != new_id)
        .order_by(DocumentPathRow.seen_at.desc(), DocumentPathRow.id.desc())
        .limit(1)
    )


def _document_fields(document: ExtractedDocument) -> dict:
    return {
        "title": document.title,
        "lang": document.lang,
        "page_count": document.page_count,
        "status": document.status.value,
        "error": document.error,
        "error_class": document.error_class.value if document.error_class else None,
        "engine": document.engine,
        "text": document.text,
        # The part tables' columns are the records' fields (tables are kept per page).
        "pages": [
            PageRow(**page.model_dump(mode="json", exclude={"tables"})) for page in document.pages
        ],
        "passages": [
            PassageRow(**passage.model_dump(mode="json")) for passage in document.passages
        ],
        "tables": [
            TableRow(**table.model_dump(mode="json"))
            for page in document.pages
            for table in page.tables
        ],
    }


def save_document(
    sessions: SessionFactory,
    document: ExtractedDocument,
    size_bytes: int,
    text_extractor_version: str | None = None,
    also_seen_at: Sequence[str] = (),
    attempt: dict | None = None,
) -> bool:
    """Store a document with all its parts; False when its bytes were stored already.

    ``also_seen_at`` are other paths holding the same bytes (copies in the same batch): they
    are recorded with the document, in the same transaction, whether it is new or not.
    ``attempt`` is the engine and limits the document was parsed under, kept with a failure.
    A stored failure worth retrying (see ``worth_retrying``) is replaced in place, keeping the
    paths it was seen under.
    """
    failed = document.status is DocumentStatus.FAILED
    fields = {
        **_document_fields(document),
        "text_extractor_version": text_extractor_version,
        "failed_under": attempt if failed else None,
    }
    paths = list(dict.fromkeys([document.path, *also_seen_at]))
    try:
        with sessions.begin() as session:
            stored = session.get(DocumentRow, document.sha256)
            if stored is not None:
                _add_paths(session, stored.id, paths)
                retry = stored.status == DocumentStatus.FAILED.value and worth_retrying(
                    stored.text_extractor_version,
                    stored.failed_under,
                    text_extractor_version,
                    attempt,
                )
                if not retry or text_extractor_version is None:
                    return False
                for name, value in fields.items():
                    setattr(stored, name, value)
                return True
            row = DocumentRow(
                id=document.sha256, source_path=document.path, size_bytes=size_bytes, **fields
            )
            row.replaces_id = _previous_document_at(session, document.path, document.sha256)
            row.paths = [DocumentPathRow(path=path) for path in paths]
            session.add(row)
    except IntegrityError:
        # Another writer may have stored the same bytes between our check and our insert;
        # anything else is a real error and goes up.
        if known_ids(sessions, [document.sha256]):
            remember_paths(sessions, {document.sha256: paths})
            return False
        raise
    return True


def failed_document(
    path: str, sha256: str, error: str, error_class: ErrorClass
) -> ExtractedDocument:
    return ExtractedDocument(
        path=path,
        sha256=sha256,
        status=DocumentStatus.FAILED,
        error=error,
        error_class=error_class,
    )


def load_document(sessions: SessionFactory, document_id: str) -> ExtractedDocument | None:
    with sessions() as session:
        row = session.scalar(
            select(DocumentRow)
            .where(DocumentRow.id == document_id)
            .options(
                selectinload(DocumentRow.pages),
                selectinload(DocumentRow.passages),
                selectinload(DocumentRow.tables),
            )
        )
        if row is None:
            return None
        tables_by_page: dict[int, list[Table]] = {}
        for table in row.tables:
            tables_by_page.setdefault(table.page, []).append(record_from_row(Table, table))
        return ExtractedDocument(
            path=row.source_path,
            sha256=row.id,
            status=DocumentStatus(row.status),
            error=row.error,
            error_class=row.error_class,
            title=row.title,
            lang=row.lang,
            engine=row.engine,
            text=row.text,
            pages=[
                Page(
                    **row_fields(Page, page, exclude={"tables"}),
                    tables=tables_by_page.get(page.number, []),
                )
                for page in row.pages
            ],
            passages=[record_from_row(Passage, passage) for passage in row.passages],
        )


def row_fields(record_type: type[Record], row: object, exclude: set[str] = frozenset()) -> dict:
    """The values of a row whose columns are named like the record's fields."""
    return {name: getattr(row, name) for name in record_type.model_fields if name not in exclude}


def record_from_row(record_type: type[Record], row: object) -> Record:
    return record_type.model_validate(row_fields(record_type, row))


def document_summaries(sessions: SessionFactory) -> list[dict]:
    """One light row per document (no text), newest first."""
    with sessions() as session:
        rows = session.execute(
            select(
                DocumentRow.id,
                DocumentRow.source_path,
                DocumentRow.status,
                DocumentRow.lang,
                DocumentRow.page_count,
                DocumentRow.error,
                DocumentRow.error_class,
                DocumentRow.replaces_id,
                DocumentRow.created_at,
            ).order_by(DocumentRow.created_at.desc(), DocumentRow.id)
        )
        return [row._asdict() for row in rows]


def start_run(sessions: SessionFactory, kind: str, params: dict) -> str:
    """Record a running run and its owner process; settle what dead runs left behind first."""
    settle_abandoned(sessions)
    run_id = str(uuid.uuid4())
    params = {**params, "owner": process_owner(run_id)}
    with sessions.begin() as session:
        session.add(RunRow(id=run_id, kind=kind, status="running", params=params, counts={}))
    return run_id


def finish_run(sessions: SessionFactory, run_id: str, status: str, counts: dict) -> None:
    with sessions.begin() as session:
        run = session.get(RunRow, run_id)
        run.status = status
        run.counts = counts
        run.finished_at = utcnow()
    settle_abandoned(sessions)  # a run that died while this one worked


def run_record(sessions: SessionFactory, run_id: str) -> dict:
    with sessions() as session:
        run = session.get(RunRow, run_id)
        finished: datetime | None = run.finished_at
        return {
            "id": run.id,
            "kind": run.kind,
            "status": run.status,
            "started_at": run.started_at,
            "finished_at": finished,
            "params": run.params,
            "counts": run.counts,
        }


def store_identity(sessions: SessionFactory) -> str | None:
    """The id of the first run recorded in the store (None while it has none).

    Runs are never deleted, so this tells a store apart from a new, empty one created later
    at the same URL: flows put it in their cache keys, so a cached "done" never outlives
    the store it was done in.
    """
    with sessions() as session:
        return session.scalar(select(RunRow.id).order_by(RunRow.started_at, RunRow.id).limit(1))
