"""Prefect flow: inbox -> ingest -> entities -> classify -> store -> export -> artifacts.

Thin by design: every task takes paths, hashes and version strings, calls one ``cluster_nlp``
function and returns small records. Documents are processed in chunks so orchestration stays
a small share of the work; models are loaded once per worker process.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from cluster_nlp.classify.predict import Predictor, trained_predictor
from cluster_nlp.classify.tag import tag_documents
from cluster_nlp.config import get_settings
from cluster_nlp.export import ExportFormat, document_rows, entity_rows, write_rows
from cluster_nlp.ingest.pipeline import discover, ingest, sha256_file, text_extractor_version
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.nlp.batch import extract_stored
from cluster_nlp.nlp.pipeline import extractor_version
from cluster_nlp.registry import load_version
from cluster_nlp.report import drift_markdown, previous_statistics, run_statistics
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import finish_run, start_run
from cluster_nlp.store.entities import documents_to_extract
from cluster_nlp.store.predictions import documents_to_tag
from cluster_nlp.taxonomy import load_taxonomy

RUN_KIND = "tag"
ARTIFACT_TABLE = "tag-documents-run"
ARTIFACT_SUMMARY = "tag-documents-summary"


def database_busy(task, task_run, state) -> bool:
    """Retry only what a busy or briefly unreachable database causes."""
    try:
        state.result()
    except OperationalError:
        return True
    except Exception:  # any other failure is not transient: no retry
        return False
    return False


RETRIES = {"retries": 3, "retry_delay_seconds": [1, 5, 15], "retry_condition_fn": database_busy}


def chunked(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _cache_key(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()


def with_task_runner(flow_function, dask_address: str | None):
    """The flow on a Dask cluster when an address is given; ``local`` or ``local:N`` starts one."""
    if not dask_address:
        return flow_function
    from prefect_dask import DaskTaskRunner  # imported only when scaling out

    if dask_address.startswith("local"):
        workers = int(dask_address.partition(":")[2] or 2)
        runner = DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "dashboard_address": None,
            },
        )
    else:
        runner = DaskTaskRunner(address=dask_address)
    return flow_function.with_options(task_runner=runner)


@cache
def _predictor(models_dir: str, version: str | None) -> Predictor:
    # Loaded once per worker process, whatever the number of chunks it tags.
    return trained_predictor(load_version(Path(models_dir), load_taxonomy(), version))


@task(cache_policy=NO_CACHE)
def find_files(inbox: str) -> list[tuple[str, str]]:
    """(path, sha256) of every supported file in the inbox."""
    return [(str(path), sha256_file(path)) for path in discover([Path(inbox)])]


@task(
    cache_key_fn=lambda context, p: _cache_key(
        "ingest", p["db"], sorted(sha for _, sha in p["files"]), text_extractor_version()
    ),
    **RETRIES,
)
def ingest_chunk(
    files: list[tuple[str, str]], db: str, engine: str, limits: ParseLimits
) -> list[dict]:
    summary = ingest([Path(path) for path, _ in files], open_store(db), engine, limits)
    return [
        {
            "path": str(item.path),
            "document_id": item.document_id,
            "outcome": item.outcome.value,
            "error": item.error,
        }
        for item in summary.files
    ]


@task(
    cache_key_fn=lambda context, p: _cache_key(
        "entities", p["db"], sorted(p["document_ids"]), extractor_version()
    ),
    **RETRIES,
)
def extract_chunk(document_ids: list[str], db: str) -> int:
    return len(extract_stored(open_store(db), document_ids))


@task(
    cache_key_fn=lambda context, p: _cache_key(
        "tag", p["db"], sorted(p["document_ids"]), p["model_version"], text_extractor_version()
    ),
    **RETRIES,
)
def tag_chunk(document_ids: list[str], db: str, models_dir: str, model_version: str) -> dict:
    predictor = _predictor(models_dir, model_version)
    summary = tag_documents(open_store(db), predictor, text_extractor_version(), document_ids)
    return {"tagged": len(summary.tagged), "needs_review": summary.needs_review}


@task(cache_policy=NO_CACHE, **RETRIES)
def export_outputs(db: str, out: str, model_version: str) -> dict[str, str]:
    sessions = open_store(db)
    folder = Path(out)
    rows = document_rows(sessions, model_version)
    paths = {
        "tags.jsonl": (rows, ExportFormat.JSONL),
        "tags.csv": (rows, ExportFormat.CSV),
        "entities.csv": (entity_rows(sessions), ExportFormat.CSV),
    }
    for name, (content, fmt) in paths.items():
        write_rows(content, fmt, folder / name)
    return {name: str(folder / name) for name in paths}


@flow(name="tag-documents", log_prints=True)
def tag_documents_flow(
    inbox: str = "corpus/pdf",
    db: str | None = None,
    out: str = "outputs",
    models_dir: str = "models",
    model: str | None = None,
    chunk_size: int = 25,
    engine: str = "auto",
    parse_workers: int | None = None,
) -> dict:
    """Ingest new files from ``inbox``, then extract entities and tag every document not yet done."""
    logger = get_run_logger()
    settings = get_settings()
    db = db or settings.db
    sessions = open_store(db)  # migrates once, before any task touches the store
    predictor = _predictor(models_dir, model)
    run_id = start_run(sessions, RUN_KIND, {"inbox": inbox, "model": predictor.version})
    limits = ParseLimits(
        settings.file_timeout_s, settings.file_memory_mb, parse_workers or settings.workers
    )

    files = find_files(inbox)
    ingested = [
        outcome
        for future in [
            ingest_chunk.submit(chunk, db, engine, limits) for chunk in chunked(files, chunk_size)
        ]
        for outcome in future.result()
    ]
    entity_futures = [
        extract_chunk.submit(chunk, db)
        for chunk in chunked(documents_to_extract(sessions, extractor_version()), chunk_size)
    ]
    tag_futures = [
        tag_chunk.submit(chunk, db, models_dir, predictor.version)
        for chunk in chunked(documents_to_tag(sessions, predictor.version), chunk_size)
    ]
    extracted = sum(future.result() for future in entity_futures)
    tagged = [future.result() for future in tag_futures]
    outputs = export_outputs(db, out, predictor.version)

    run_ids = [item["document_id"] for item in ingested if item["document_id"]]
    statistics = run_statistics(sessions, run_ids, predictor.version)
    statistics["failed"] = sum(item["outcome"] == "failed" for item in ingested)
    history = previous_statistics(sessions, RUN_KIND, run_id)
    summary = drift_markdown(statistics, history)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "summary.md").write_text(summary, encoding="utf-8")
    outputs["summary.md"] = str(Path(out) / "summary.md")
    finish_run(sessions, run_id, "ok", statistics)

    create_table_artifact(
        key=ARTIFACT_TABLE,
        table=[
            {
                "path": item["path"],
                "outcome": item["outcome"],
                "document": (item["document_id"] or "")[:12],
                "error": item["error"] or "",
            }
            for item in ingested
        ],
        description=f"Files of this run; model {predictor.version}",
    )
    create_markdown_artifact(
        key=ARTIFACT_SUMMARY, markdown=summary, description="Run summary and drift"
    )
    result = {
        "run_id": run_id,
        "model_version": predictor.version,
        "files": len(files),
        "outcomes": {
            o: sum(item["outcome"] == o for item in ingested)
            for o in ("ingested", "known", "failed", "needs_ocr")
        },
        "entities_extracted": extracted,
        "tagged": sum(item["tagged"] for item in tagged),
        "needs_review": sum(item["needs_review"] for item in tagged),
        "outputs": outputs,
    }
    logger.info("run %s: %s", run_id, result)
    return result
