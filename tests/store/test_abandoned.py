"""A run killed with SIGKILL leaves no run at ``running`` and no claim once another run starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cluster_nlp.store.abandoned import ABANDONED, owner_is_gone, process_owner, settle_abandoned
from cluster_nlp.store.claims import claim
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import finish_run, run_record, start_run
from cluster_nlp.store.models import RunRow, WorkClaimRow, utcnow

TTL = 600.0
# Starts a run, claims two documents, prints the run id and kills itself: what SIGKILL leaves.
KILLED_RUN = """
import os, signal, sys
from cluster_nlp.store.claims import claim, process_owner
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import start_run
sessions = open_store(sys.argv[1])
run_id = start_run(sessions, "tag", {})
assert claim(sessions, "tags:v1", ["a" * 64, "b" * 64], process_owner(run_id), 600.0)
print(run_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture
def sessions(store_url: str):
    return open_store(store_url)


def killed_run(store_url: str) -> str:
    process = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, store_url], capture_output=True, text=True
    )
    assert process.returncode == -signal.SIGKILL, process.stderr[-1000:]
    return process.stdout.strip()


def claim_owners(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(WorkClaimRow.owner)))


def test_the_next_run_marks_a_killed_run_abandoned_and_releases_its_claims(
    sessions, store_url: str
):
    dead = killed_run(store_url)
    assert run_record(sessions, dead)["status"] == "running"
    assert len(claim_owners(sessions)) == 2

    rerun = start_run(sessions, "tag", {})

    record = run_record(sessions, dead)
    assert record["status"] == ABANDONED and record["finished_at"] is not None
    assert claim_owners(sessions) == []
    finish_run(sessions, rerun, "ok", {})
    with sessions() as session:
        statuses = sorted(session.scalars(select(RunRow.status)))
    assert statuses == [ABANDONED, "ok"]


def test_a_run_that_dies_while_another_works_is_settled_when_that_one_finishes(
    sessions, store_url: str
):
    working = start_run(sessions, "tag", {})
    dead = killed_run(store_url)
    assert run_record(sessions, dead)["status"] == "running"
    finish_run(sessions, working, "ok", {})
    assert run_record(sessions, dead)["status"] == ABANDONED
    assert claim_owners(sessions) == []


def test_live_runs_and_claims_and_other_hosts_are_left_alone(sessions):
    mine = start_run(sessions, "tag", {})
    assert claim(sessions, "tags:v1", ["c" * 64], process_owner(mine), TTL)
    elsewhere = "other-host:1:run"
    with sessions.begin() as session:
        session.add(RunRow(id="x" * 36, kind="tag", status="running", params={"owner": elsewhere}))
    assert claim(sessions, "tags:v1", ["d" * 64], elsewhere, TTL)

    settled = settle_abandoned(sessions)

    assert settled.runs == [] and settled.claims == 0
    assert sorted(claim_owners(sessions)) == sorted([process_owner(mine), elsewhere])
    assert run_record(sessions, "x" * 36)["status"] == "running"


def test_expired_claims_of_any_host_are_released(sessions):
    assert claim(sessions, "tags:v1", ["e" * 64], "other-host:1:run", TTL)
    with sessions.begin() as session:
        session.execute(update(WorkClaimRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert settle_abandoned(sessions).claims == 1
    assert claim_owners(sessions) == []


HOST = process_owner("r").split(":")[0]


@pytest.mark.parametrize(
    ("owner", "run_started", "gone"),
    [
        ("self", None, False),
        ("self", "now", False),  # our process started before the run: alive
        ("self", "years ago", True),  # the run is older than our process: its pid was reused
        ("dead", None, True),
        ("other host", None, False),  # only expiry can tell
        ("no pid", None, False),
    ],
)
def test_owner_is_gone(owner: str, run_started: str | None, gone: bool):
    names = {
        "self": process_owner("r", os.getpid()),
        "dead": process_owner("r", _dead_pid()) if owner == "dead" else "",
        "other host": "elsewhere:1:r",
        "no pid": f"{HOST}:x:r",
    }
    since = {None: None, "now": utcnow(), "years ago": utcnow() - timedelta(days=3650)}
    assert owner_is_gone(names[owner], since[run_started]) is gone


def _dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)
