"""A tagging run killed mid-way leaves whole rows only; the rerun does every document once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH
from sqlalchemy import func, select

from cluster_nlp.ingest.pipeline import sha256_file
from cluster_nlp.nlp.pipeline import extractor_version
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import (
    DocumentPathRow,
    DocumentRow,
    EntityExtractionRow,
    EntityRow,
    PageRow,
    PassageRow,
    PredictionRow,
)
from flows.tag_documents import tag_documents_flow

CHUNK = 2
COPIES = 2  # 12 files, 8 to an ingest task: the run is killed inside its first one
POLL_S = 0.05
DEADLINE_S = 600

FLOW_CALL = """
import sys
from flows.tag_documents import tag_documents_flow
inbox, db, out, models, taxonomy = sys.argv[1:]
tag_documents_flow(
    inbox=inbox, db=db, out=out, models_dir=models, taxonomy=taxonomy, chunk_size={chunk}
)
"""


def count(store_url: str, table) -> int:
    with open_store(store_url)() as session:
        return session.scalar(select(func.count()).select_from(table))


def per_document(store_url: str, column) -> dict[str, int]:
    with open_store(store_url)() as session:
        rows = session.execute(select(column, func.count()).group_by(column)).all()
    return dict(rows)


def assert_rows_whole(store_url: str) -> None:
    """Every stored document has all its pages and passages; every extraction all its entities."""
    with open_store(store_url)() as session:
        documents = session.execute(
            select(DocumentRow.id, DocumentRow.page_count, DocumentRow.status)
        ).all()
    pages = per_document(store_url, PageRow.document_id)
    passages = per_document(store_url, PassageRow.document_id)
    for document_id, page_count, status in documents:
        assert pages.get(document_id, 0) == page_count, f"{document_id[:12]} lost pages"
        if status == "ok":
            assert passages.get(document_id, 0) > 0, f"{document_id[:12]} has no passages"
    entities = per_document(store_url, EntityRow.document_id)
    with open_store(store_url)() as session:
        for document_id, stored in session.execute(
            select(EntityExtractionRow.document_id, EntityExtractionRow.entity_count)
        ):
            assert entities.get(document_id, 0) == stored, f"{document_id[:12]} lost entities"


def start_flow(args: list[str]) -> subprocess.Popen:
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_LOCAL_STORAGE_PATH": str(PREFECT_LOCAL_STORAGE_PATH.value()),
    }
    return subprocess.Popen(
        [sys.executable, "-c", FLOW_CALL.format(chunk=CHUNK), *args],
        env=env,
        start_new_session=True,  # its own process group: the parser workers die with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_after_some_documents(process: subprocess.Popen, store_url: str, total: int) -> int:
    """SIGKILL the run (and its parser workers) once some, not all, documents are stored."""
    deadline = time.monotonic() + DEADLINE_S
    stored = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {process.stderr.read()[-500:]}")
        stored = count(store_url, DocumentRow)
        if stored >= CHUNK:
            break
        time.sleep(POLL_S)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    stored = count(store_url, DocumentRow)
    assert 0 < stored < total, f"killed too late to test anything: {stored} of {total} stored"
    return stored


def test_killed_run_then_rerun_stores_and_tags_every_document_once(
    inbox_maker, store_url: str, models_dir: Path, taxonomy_path: Path, tmp_path: Path
):
    inbox = inbox_maker(tmp_path / "inbox", copies=COPIES, bad=False)
    files = sorted(inbox.iterdir())
    out = tmp_path / "outputs"
    open_store(store_url)  # migrate first, so polling never races the migration
    args = [str(inbox), store_url, str(out), str(models_dir), str(taxonomy_path)]
    process = start_flow(args)
    kill_after_some_documents(process, store_url, len(files))
    assert_rows_whole(store_url)

    result = tag_documents_flow(
        inbox=str(inbox),
        db=store_url,
        out=str(out),
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        chunk_size=CHUNK,
    )

    assert result["failures"] == [] and result["outcomes"]["failed"] == 0
    assert_rows_whole(store_url)
    hashes = {sha256_file(path) for path in files}
    with open_store(store_url)() as session:
        stored = session.scalars(select(DocumentRow.id)).all()
        paths = session.execute(select(DocumentPathRow.document_id, DocumentPathRow.path)).all()
        extracted = (
            session.execute(
                select(EntityExtractionRow.document_id).where(
                    EntityExtractionRow.extractor_version == extractor_version()
                )
            )
            .scalars()
            .all()
        )
        tagged = session.scalars(
            select(PredictionRow.document_id).where(PredictionRow.model_version == "v1")
        ).all()
    assert sorted(stored) == sorted(hashes)  # each file stored, none twice
    assert sorted(paths) == sorted({(sha256_file(p), str(p)) for p in files})
    assert sorted(extracted) == sorted(hashes)
    assert sorted(tagged) == sorted(hashes)
