"""SIGKILL the tagging flow at chosen and at random points; a rerun leaves a consistent store.

Each trial runs the real flow in a child process on an inbox with duplicate files, after an
analyst has decided on two documents, and kills the child's whole process group (parser
workers included) at one point:

- ``parsed``: the Nth document is parsed and about to be written;
- ``mid-commit``: inside the Nth database commit (rows flushed, the commit not done);
- ``after-commit``: just after the Nth commit, before the run takes note of it;
- ``timed``: a random moment after the first document is stored.

After the kill the store holds whole rows only; after a rerun every invariant of
``store_invariants.check_store`` holds: each distinct SHA-256 stored once, one prediction set
per document and model version, no orphan rows, ``PRAGMA integrity_check`` ok, decisions
unchanged, no stale claims or runs. The default tier runs the three deliberate points; the
slow tier ten seeded random trials.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH
from sqlalchemy import func, select
from store_invariants import assert_rows_whole, check_store, decisions

from cluster_nlp.ingest.files import sha256_file
from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.nlp.choices import extractor_version
from cluster_nlp.records import Decision
from cluster_nlp.store.abandoned import ABANDONED
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import save_decision
from cluster_nlp.store.models import DocumentRow, RunRow
from flows.tag_documents import RUN_KIND, tag_documents_flow

CHUNK = 2
POLL_S = 0.05
DEADLINE_S = 600
SLOW_TRIALS = 10
KILL_POINTS = ("parsed", "mid-commit", "after-commit", "timed")
# The duplicates: second names for the same bytes. With 8 files to an ingest task, one pair
# shares a task (accelerator) and one is split over two (report, the copy in a sub-folder).
DUPLICATES = {"accelerator.md": "accelerator copy.md", "report.pdf": "again/report.pdf"}

CHILD = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
import cluster_nlp.ingest.pipeline as ingest_pipeline
from flows.tag_documents import tag_documents_flow

inbox, db, out, models, taxonomy, point, nth, chunk = sys.argv[1:]
count = [0]

def kill_at_nth(*_):
    count[0] += 1
    if count[0] == int(nth):
        os.killpg(os.getpgid(0), signal.SIGKILL)  # the run and its parser workers at once

if point == "parsed":
    save = ingest_pipeline.save_document
    def parsed_then_killed(*arguments, **options):
        kill_at_nth()
        return save(*arguments, **options)
    ingest_pipeline.save_document = parsed_then_killed
elif point == "mid-commit":
    event.listen(Engine, "commit", kill_at_nth)  # fires before the database commits
elif point == "after-commit":
    event.listen(Session, "after_commit", kill_at_nth)
tag_documents_flow(
    inbox=inbox, db=db, out=out, models_dir=models, taxonomy=taxonomy, chunk_size=int(chunk)
)
"""


def make_duplicated_inbox(inbox_maker, folder: Path) -> Path:
    inbox = inbox_maker(folder)
    for original, copy in DUPLICATES.items():
        (inbox / copy).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(inbox / original, inbox / copy)
    return inbox


def seen_files(inbox: Path) -> set[tuple[str, str]]:
    return {(sha256_file(path), str(path)) for path in inbox.rglob("*") if path.is_file()}


def decide_on_two(store_url: str, inbox: Path) -> list[tuple]:
    """An analyst's decisions on two documents, stored before the run that will be killed."""
    sessions = open_store(store_url)
    summary = ingest([inbox / "network.md", inbox / "hackathon.txt"], sessions)
    for outcome in summary.files:
        decision = Decision(
            document_id=outcome.document_id,
            analyst="analyst@example.org",
            functions=["education_training"],
            note=f"checked {outcome.path.name}",
        )
        save_decision(sessions, decision)
    return decisions(store_url)


def stored_documents(store_url: str) -> int:
    with open_store(store_url)() as session:
        return session.scalar(select(func.count()).select_from(DocumentRow))


def start_child(args: list[str], point: str, nth: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_LOCAL_STORAGE_PATH": str(PREFECT_LOCAL_STORAGE_PATH.value()),
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args, point, str(nth), str(CHUNK)],
        env=env,
        start_new_session=True,  # its own process group: the parser workers die with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_later(process: subprocess.Popen, store_url: str, delay_s: float) -> None:
    """The ``timed`` point: ``delay_s`` after the first document is stored, kill the group."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline and process.poll() is None:
        if stored_documents(store_url) > 2:  # more than the two decided on before the run
            break
        time.sleep(POLL_S)
    time.sleep(delay_s)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_trial(
    point: str, nth: int, delay_s: float, inbox: Path, store_url: str, models: Path, **paths
) -> dict:
    """One trial: decide, run the flow, kill it at ``point``, check, rerun, check everything."""
    open_store(store_url)  # migrate first, so the child and the polling never race it
    before = decide_on_two(store_url, inbox)
    out = paths["tmp_path"] / "outputs"
    args = [str(inbox), store_url, str(out), str(models), str(paths["taxonomy"])]
    process = start_child(args, point, nth)
    if point == "timed":
        kill_later(process, store_url, delay_s)
    try:
        _, error = process.communicate(timeout=DEADLINE_S)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == -signal.SIGKILL, (
        f"{point} #{nth}: the run ended before the kill point: {error.decode()[-800:]}"
    )
    stored_at_kill = stored_documents(store_url)
    assert_rows_whole(store_url)

    result = tag_documents_flow(
        inbox=str(inbox),
        db=store_url,
        out=str(out),
        models_dir=str(models),
        taxonomy=str(paths["taxonomy"]),
        chunk_size=CHUNK,
    )

    assert result["failures"] == []
    lost = check_store(store_url, seen_files(inbox), ["v1"], before, extractor_version())
    with open_store(store_url)() as session:
        statuses = session.scalars(select(RunRow.status).where(RunRow.kind == RUN_KIND)).all()
    # The killed run is abandoned (unless it died before recording itself), the rerun ok.
    assert statuses.count("ok") == 1 and set(statuses) <= {"ok", ABANDONED}, statuses
    return {"point": point, "nth": nth, "stored_at_kill": stored_at_kill, "lost": lost}


# Deliberate points for the default tier: inside the first ingest task, and well into the run.
DELIBERATE = [("parsed", 3), ("mid-commit", 12), ("after-commit", 20)]


@pytest.mark.parametrize(("point", "nth"), DELIBERATE, ids=[p for p, _ in DELIBERATE])
def test_a_run_killed_at_a_chosen_point_then_rerun_leaves_a_consistent_store(
    point: str,
    nth: int,
    inbox_maker,
    store_url: str,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
):
    inbox = make_duplicated_inbox(inbox_maker, tmp_path / "inbox")
    trial = kill_trial(
        point, nth, 0.0, inbox, store_url, models_dir, tmp_path=tmp_path, taxonomy=taxonomy_path
    )
    assert trial["lost"] == dict.fromkeys(trial["lost"], 0)


def random_trials(count: int, seed: int = 13) -> list[tuple[str, int, float]]:
    """Seeded, so a failing trial can be run again: (point, Nth event, delay for ``timed``)."""
    rng = random.Random(seed)
    trials = []
    for index in range(count):
        point = KILL_POINTS[index % len(KILL_POINTS)]
        nth = rng.randint(1, 4) if point == "parsed" else rng.randint(2, 30)
        trials.append((point, nth, round(rng.uniform(0.0, 3.0), 2)))
    return trials


@pytest.mark.slow
@pytest.mark.parametrize(("point", "nth", "delay_s"), random_trials(SLOW_TRIALS))
def test_ten_random_kills_then_reruns_leave_a_consistent_store(
    point: str,
    nth: int,
    delay_s: float,
    inbox_maker,
    store_url: str,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
):
    inbox = make_duplicated_inbox(inbox_maker, tmp_path / "inbox")
    trial = kill_trial(
        point, nth, delay_s, inbox, store_url, models_dir, tmp_path=tmp_path, taxonomy=taxonomy_path
    )
    assert trial["lost"] == dict.fromkeys(trial["lost"], 0)
