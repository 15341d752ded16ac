"""Prefect flow: inbox -> ingest -> entities -> tags -> exports, summary and report -> artifacts.

Thin by design: each task takes paths, content hashes and version strings, calls one
``cluster_nlp`` function on a chunk of documents and returns small records. The store decides
what is left to do, so a rerun skips finished work and a newly promoted model re-tags. Cache
keys are a chunk's content hashes with the versions that decide its result (text extractor,
entity extractor, model, taxonomy) and the store's identity, so a cached "done" never
outlives the store it was done in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from prefect import Flow, Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy.exc import OperationalError

# The module, not its SHARED child: a task pickled by value (Dask) must not carry a lock.
from cluster_nlp import analysis
from cluster_nlp.atomic_files import write_atomically
from cluster_nlp.config import get_settings
from cluster_nlp.export import (
    ENTITIES_TABLE,
    ExportFormat,
    NameLanguage,
    document_rows,
    entity_rows,
    tags_table,
    write_table,
)
from cluster_nlp.inbox import local_inbox, scan_inbox
from cluster_nlp.ingest.files import parse_attempt, text_extractor_version
from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.ingest.sandbox import ParseLimits, one_line
from cluster_nlp.nlp.choices import extractor_version
from cluster_nlp.pathtext import path_text
from cluster_nlp.report import (
    previous_statistics,
    report_html,
    run_statistics,
    store_overview,
    summary_markdown,
)
from cluster_nlp.store.claims import claimed, process_owner
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import finish_run, start_run, store_identity
from cluster_nlp.store.entities import documents_to_extract
from cluster_nlp.store.predictions import documents_to_tag
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

RUN_KIND = "tag"
ARTIFACT_TABLE = "tag-documents-run"
ARTIFACT_SUMMARY = "tag-documents-summary"
OUTCOMES = ("ingested", "known", "failed", "needs_ocr")
# An ingest task takes this many chunks' worth of files: its parser pool spreads them over
# its processes, and starting a pool costs about as much as parsing a few files.
INGEST_CHUNKS_PER_TASK = 4


def database_busy(task, task_run, state) -> bool:
    """Retry only what a busy or briefly unreachable database causes; other errors are final."""
    return isinstance(state.result(raise_on_failure=False), OperationalError)


RETRIES = {"retries": 3, "retry_delay_seconds": [1, 5, 15], "retry_condition_fn": database_busy}
# Cached results are small JSON records (ids, outcomes), readable by any worker.
CACHED = {"persist_result": True, "result_serializer": "json", **RETRIES}


def cache_key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def chunked(items: Sequence, size: int) -> list[list]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def run_chunks(work: Task, items: Sequence, size: int, **arguments) -> tuple[list, list[dict]]:
    """Submit ``work`` per chunk of ``items`` and wait for all of them.

    A chunk that fails for good is submitted again item by item, so a bad document costs
    only itself; returns the chunks' results and one failure row per item that still failed.
    A chunk that failed because the database stayed unreachable through its retries is not
    split: every item would meet the same outage, each with its own retries.
    """
    results, failures = [], []
    pending = [(work.submit(chunk, **arguments), chunk) for chunk in chunked(items, size)]
    while pending:
        retry = []
        for future, chunk in pending:
            outcome = future.result(raise_on_failure=False)
            if future.state.is_completed():
                results.append(outcome)
            elif len(chunk) > 1 and not isinstance(outcome, OperationalError):
                retry += [(work.submit([item], **arguments), [item]) for item in chunk]
            else:
                failures += [
                    {
                        "stage": work.name,
                        "item": entry[0] if isinstance(entry, list) else entry,
                        "error": one_line(str(outcome)),
                    }
                    for entry in chunk
                ]
        pending = retry
    return results, failures


def own_outcome(outcome: dict, owner: str) -> dict:
    """An ingest outcome as this run saw it: a file another run ingested is ``known`` here."""
    if outcome.get("by") != owner and outcome["outcome"] == "ingested":
        return {**outcome, "outcome": "known"}
    return outcome


def with_task_runner(flow_function: Flow, dask_address: str | None) -> Flow:
    """The flow on a Dask cluster when an address is given; ``local:N`` starts N workers."""
    if not dask_address:
        return flow_function
    import dask  # imported only when scaling out
    from prefect_dask import DaskTaskRunner

    if dask_address.startswith("local"):
        # Ingestion starts parser processes, which daemonic worker processes may not do.
        dask.config.set({"distributed.worker.daemon": False})
        count = dask_address.partition(":")[2] or "2"
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"--dask {dask_address!r}: use local:N with N workers, e.g. local:2")
        workers = int(count)
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


@task(name="scan", cache_policy=NO_CACHE, **RETRIES)
def scan(inbox: str, staging_dir: str, db: str, engine: str, limits: dict) -> list[dict]:
    """Every supported file of the inbox: path, content hash, and whether the store has it.

    Remote keys refused by the mirror (they would land outside it) are logged to the run.
    """
    folder = local_inbox(inbox, Path(staging_dir), on_refused=get_run_logger().warning)
    attempt = parse_attempt(engine, ParseLimits(**limits))
    files = scan_inbox(folder, open_store(db), attempt)
    return [{"path": item.path, "sha256": item.sha256, "known": item.known} for item in files]


@task(
    name="ingest",
    cache_key_fn=lambda _, p: cache_key(
        "ingest",
        p["store_id"],
        text_extractor_version(),
        # a failure is tried again under another engine or larger limits
        parse_attempt(p["engine"], ParseLimits(**p["limits"])),
        sorted(map(tuple, p["files"])),
    ),
    **CACHED,
)
def ingest_chunk(
    files: list[list[str]], db: str, store_id: str, engine: str, limits: dict, claims: dict
) -> list[dict]:
    """Ingest ``[path, sha256]`` pairs; known bytes only get their path remembered."""
    sessions = open_store(db)
    with claimed(sessions, "ingest", [digest for _, digest in files if digest], **claims):
        summary = ingest([Path(path) for path, _ in files], sessions, engine, ParseLimits(**limits))
    return [
        {
            "path": str(item.path),
            "document_id": item.document_id,
            "outcome": item.outcome.value,
            "error": item.error,
            "error_class": item.error_class.value if item.error_class else None,
            "by": claims["owner"],
        }
        for item in summary.files
    ]


@task(
    name="entities",
    cache_key_fn=lambda _, p: cache_key(
        "entities-by-run", p["store_id"], extractor_version(), sorted(p["document_ids"])
    ),
    **CACHED,
)
def extract_chunk(document_ids: list[str], db: str, store_id: str, claims: dict) -> dict:
    sessions = open_store(db)
    with claimed(sessions, "entities", document_ids, **claims):
        return {"done": analysis.SHARED.extract(db, document_ids), "by": claims["owner"]}


@task(
    name="tags",
    cache_key_fn=lambda _, p: cache_key(
        "tags",
        p["store_id"],
        p["model_version"],
        p["taxonomy_version"],
        text_extractor_version(),
        sorted(p["document_ids"]),
    ),
    **CACHED,
)
def tag_chunk(
    document_ids: list[str],
    db: str,
    store_id: str,
    models_dir: str,
    model_version: str,
    taxonomy: str | None,
    taxonomy_version: str,
    claims: dict,
) -> dict:
    sessions = open_store(db)
    with claimed(sessions, f"tags:{model_version}", document_ids, **claims):
        summary = analysis.SHARED.tag(db, models_dir, model_version, taxonomy, document_ids)
    return {**summary, "by": claims["owner"]}


@task(name="export", cache_policy=NO_CACHE, **RETRIES)
def export_outputs(db: str, out: str, model_version: str, taxonomy: str | None) -> dict:
    """tags.jsonl (label ids), tags.csv (Russian names, UTF-8 with a BOM) and entities.csv;
    returns their paths and each document's labels."""
    sessions = open_store(db)
    folder = Path(out)
    labels_file = load_taxonomy(taxonomy)
    rows = document_rows(sessions, model_version, labels_file, NameLanguage.ID)
    named = document_rows(sessions, model_version, labels_file, NameLanguage.RU)
    tags = tags_table(labels_file)
    for name, content, table, fmt in (
        ("tags.jsonl", rows, tags, ExportFormat.JSONL),
        ("tags.csv", named, tags, ExportFormat.CSV),
        ("entities.csv", entity_rows(sessions), ENTITIES_TABLE, ExportFormat.CSV),
    ):
        write_table(content, table, fmt, folder / name)
    labels = {
        row["id"]: {
            "labels": [label for group in GROUPS for label in row[group]],
            "needs_review": row["uncertain_labels"] + row["close_labels"],
        }
        for row in rows
    }
    paths = {name: str(folder / name) for name in ("tags.jsonl", "tags.csv", "entities.csv")}
    return {"paths": paths, "labels": labels, "store": store_overview(rows, labels_file, folder)}


def run_table(
    files: list[dict],
    outcomes: dict[str, dict],
    tagged: set[str],
    failures: list[dict],
    labels: dict[str, dict],
) -> list[dict]:
    """The run as a table: one row per inbox file, then per document re-tagged from elsewhere.

    A failure is shown on the row of its file or document: ``item`` is a path for ingestion
    and a document id for the later stages. Paths are shown as text (``path_text``): a file
    name need not be valid UTF-8.
    """
    failed = {failure["item"]: failure for failure in failures}

    def row(
        path: str, document: str, outcome: str, error: str | None, error_class: str | None
    ) -> dict:
        failure = failed.pop(path, None) or failed.pop(document, None)
        if failure:  # a stage that failed for good: its exception, not a class of file
            outcome, error, error_class = f"failed: {failure['stage']}", failure["error"], None
        found = labels.get(document, {})
        return {
            "path": path_text(path),
            "document": document[:12],
            "outcome": outcome,
            "labels": "; ".join(found.get("labels", [])),
            "needs_review": "; ".join(found.get("needs_review", [])),
            "error": error or "",
            "error_class": error_class or "",
        }

    rows = []
    for item in files:
        ingested = outcomes.get(item["path"], {})
        outcome = "known" if item["known"] else ingested.get("outcome", "failed")
        document = ingested.get("document_id") or item["sha256"] or ""
        error, error_class = ingested.get("error"), ingested.get("error_class")
        rows.append(row(item["path"], document, outcome, error, error_class))
    in_inbox = {item["sha256"] for item in files}
    rows += [row("", document, "re-tagged", None, None) for document in sorted(tagged - in_inbox)]
    rows += [row("", path_text(str(item)), "failed", None, None) for item in list(failed)]
    return rows


def _cell(text: str) -> str:
    """Text for one table cell: a file name may hold newlines or pipes."""
    return " ".join(text.split()).replace("|", "\\|")


def failures_markdown(table: list[dict]) -> str:
    failed = [row for row in table if row["outcome"].startswith("failed")]
    if not failed:
        return ""
    lines = ["", f"## Failures ({len(failed)})", "", "| file or document | stage | class | error |"]
    lines.append("|---|---|---|---|")
    lines += [
        f"| {_cell(row['path'] or row['document'])} | {row['outcome']} | {row['error_class']} "
        f"| {_cell(row['error'])} |"
        for row in failed
    ]
    return "\n".join(lines) + "\n"


@flow(
    name="tag-documents",
    # Parsing already runs in a process pool per chunk, and the NLP stages hold the GIL:
    # one chunk at a time here; Dask workers (``with_task_runner``) are the way to scale out.
    task_runner=ThreadPoolTaskRunner(max_workers=1),
)
def tag_documents_flow(
    inbox: str | None = None,
    db: str | None = None,
    out: str | None = None,
    models_dir: str | None = None,
    model: str | None = None,
    taxonomy: str | None = None,
    chunk_size: int | None = None,
    engine: str = "auto",
    parse_workers: int | None = None,
) -> dict:
    """Ingest new files from ``inbox`` (a folder or an fsspec URL), extract entities, tag every
    stored document the model has not tagged yet, write exports and publish artifacts."""
    settings = get_settings()
    inbox = inbox or str(settings.corpus_dir / "pdf")
    out = out or str(settings.home / "outputs")
    db = db or settings.db
    models_dir = models_dir or str(settings.models_dir)
    taxonomy = taxonomy or (str(settings.taxonomy) if settings.taxonomy else None)
    size = chunk_size or settings.chunk_size
    sessions = open_store(db)  # migrates once, before any task touches the store
    identity = analysis.model_identity(models_dir, model, taxonomy)  # a missing model fails here
    run_id = start_run(sessions, RUN_KIND, {"inbox": inbox, "model": identity.version})
    claims = {"owner": process_owner(run_id), "ttl_s": settings.claim_ttl_s}
    store = {"db": db, "store_id": store_identity(sessions), "claims": claims}
    limits = ParseLimits(
        settings.file_timeout_s,
        settings.file_memory_mb,
        parse_workers or settings.workers,
        max_file_mb=settings.file_max_mb,
    )
    try:
        files = scan(inbox, str(settings.staging_dir), db, engine, asdict(limits))
        ingested, failures = run_chunks(
            ingest_chunk,
            [[item["path"], item["sha256"]] for item in files],
            size * INGEST_CHUNKS_PER_TASK,
            engine=engine,
            limits=asdict(limits),
            **store,
        )
        outcomes = {
            outcome["path"]: own_outcome(outcome, claims["owner"])
            for chunk in ingested
            for outcome in chunk
        }
        extracted, extract_failures = run_chunks(
            extract_chunk, documents_to_extract(sessions, extractor_version()), size, **store
        )
        tagged, tag_failures = run_chunks(
            tag_chunk,
            documents_to_tag(sessions, identity.version),
            size,
            models_dir=models_dir,
            model_version=identity.version,
            taxonomy=taxonomy,
            taxonomy_version=identity.taxonomy_version,
            **store,
        )
        failures += extract_failures + tag_failures
        exported = export_outputs(db, out, identity.version, taxonomy)

        # A chunk's cached result may be another run's work (same documents, same versions):
        # this run reports only what it did, and counts the rest as done before.
        own_tagged = [chunk for chunk in tagged if chunk.get("by") == claims["owner"]]
        own_extracted = [chunk for chunk in extracted if chunk.get("by") == claims["owner"]]
        tagged_ids = {document for chunk in own_tagged for document in chunk["tagged"]}
        done_before = {
            "entities_extracted": sum(len(chunk["done"]) for chunk in extracted)
            - sum(len(chunk["done"]) for chunk in own_extracted),
            "tagged": sum(len(chunk["tagged"]) for chunk in tagged) - len(tagged_ids),
        }
        new_ids = {
            outcome["document_id"]
            for outcome in outcomes.values()
            if outcome["document_id"]
            and outcome["outcome"] != "known"
            and outcome.get("by") == claims["owner"]
        }
        table = run_table(files, outcomes, tagged_ids, failures, exported["labels"])
        counts = {name: sum(row["outcome"] == name for row in table) for name in OUTCOMES}
        statistics = {
            **run_statistics(sessions, sorted(new_ids | tagged_ids), identity.version),
            "files": len(files),
            "outcomes": counts,
            "failed": sum(row["outcome"].startswith("failed") for row in table),
            "done_before": done_before,
        }
        history = previous_statistics(sessions, RUN_KIND, run_id)
        summary = summary_markdown(statistics, history, exported["store"])
        summary += failures_markdown(table)
        summary_path, report_path = Path(out) / "summary.md", Path(out) / "report.html"
        write_atomically(summary_path, summary)
        write_atomically(report_path, report_html(statistics, history, exported["store"]))
        finish_run(sessions, run_id, "ok", statistics)
    except Exception:
        finish_run(sessions, run_id, "failed", {})
        raise
    finally:
        if not settings.keep_models_loaded:
            analysis.SHARED.close()  # the models' memory goes back to the system between runs

    create_table_artifact(
        key=ARTIFACT_TABLE,
        table=table,
        description=f"Documents of tagging run {run_id}, model {identity.version}",
    )
    create_markdown_artifact(
        key=ARTIFACT_SUMMARY, markdown=summary, description="Run summary and drift"
    )
    result = {
        "run_id": run_id,
        "model_version": identity.version,
        "files": len(files),
        "outcomes": counts,
        "entities_extracted": sum(len(chunk["done"]) for chunk in own_extracted),
        "tagged": len(tagged_ids),
        "needs_review": sum(chunk["needs_review"] for chunk in own_tagged),
        "done_before": done_before,
        # an ingestion failure's item is a path, which need not be valid UTF-8
        "failures": [{**failure, "item": path_text(failure["item"])} for failure in failures],
        "outputs": {
            **exported["paths"],
            "summary.md": str(summary_path),
            "report.html": str(report_path),
        },
    }
    get_run_logger().info(
        "run %s: %s files, %s, tagged %s, %s failures",
        run_id,
        len(files),
        counts,
        result["tagged"],
        len(failures),
    )
    return result


# A deployment's run imports this module in a fresh process, so the task runner is chosen
# here from CLUSTER_NLP_DASK_ADDRESS; `cluster-nlp run --dask` picks one with `with_task_runner`.
tag_documents_flow = with_task_runner(tag_documents_flow, get_settings().dask_address)
