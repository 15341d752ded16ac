"""Work claims keep two runs off the same document, and die with the run that held them."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cluster_nlp.store.claims import ClaimConflictError, claim, claimed, process_owner, release
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import WorkClaimRow, utcnow

TTL = 600.0


@pytest.fixture
def sessions(store_url: str):
    return open_store(store_url)


def holders(sessions) -> dict[str, str]:
    with sessions() as session:
        rows = session.scalars(select(WorkClaimRow))
        return {row.document_id: row.owner for row in rows}


def dead_process_id() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


def test_claims_are_all_or_nothing(sessions):
    first, second = process_owner("run-1"), process_owner("run-2")
    assert claim(sessions, "tags", ["a", "b"], first, TTL)
    assert not claim(sessions, "tags", ["b", "c"], second, TTL)
    assert holders(sessions) == {"a": first, "b": first}  # "c" was not taken either
    assert claim(sessions, "entities", ["b"], second, TTL)  # stages are independent
    assert claim(sessions, "tags", ["a", "b"], first, TTL)  # an owner may claim again
    release(sessions, "tags", ["a", "b"], first)
    assert claim(sessions, "tags", ["b", "c"], second, TTL)


@pytest.mark.parametrize(
    ("owner_of", "expired", "taken_over"),
    [
        ("live process", False, False),
        ("live process", True, True),
        ("dead process", False, True),
        ("other host", False, False),  # only expiry frees another machine's claim
        ("other host", True, True),
    ],
)
def test_dead_claims_are_taken_over(sessions, owner_of: str, expired: bool, taken_over: bool):
    owner = {
        "live process": process_owner("old-run"),
        "dead process": process_owner("old-run", pid=dead_process_id()),
        "other host": "elsewhere.example:1:old-run",
    }[owner_of]
    assert claim(sessions, "tags", ["a"], owner, TTL)
    if expired:
        with sessions.begin() as session:
            session.execute(update(WorkClaimRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert claim(sessions, "tags", ["a"], process_owner("new-run"), TTL) is taken_over


def test_claimed_block_releases_even_when_the_work_fails(sessions):
    owner = process_owner("run-1")
    with pytest.raises(ValueError), claimed(sessions, "tags", ["a"], owner, TTL):
        assert holders(sessions) == {"a": owner}
        raise ValueError("work failed")
    assert holders(sessions) == {}


def test_claimed_gives_up_with_a_clear_error(sessions):
    claim(sessions, "tags", ["a"], process_owner("run-1"), TTL)
    with pytest.raises(ClaimConflictError, match="stayed claimed by another run"):
        with claimed(sessions, "tags", ["a"], process_owner("run-2"), ttl_s=0.2, poll_s=0.05):
            pytest.fail("the block must not run while another run holds the document")


def test_concurrent_runs_never_hold_a_document_together(store_url: str):
    sessions = open_store(store_url)
    documents = [f"doc-{n}" for n in range(6)]
    held: set[str] = set()
    overlaps: list[str] = []
    guard = threading.Lock()

    def run(name: str, order: list[str]) -> None:
        for start in range(0, len(order), 2):
            chunk = order[start : start + 2]
            with claimed(sessions, "tags", chunk, process_owner(name), TTL, poll_s=0.01):
                with guard:
                    overlaps.extend(item for item in chunk if item in held)
                    held.update(chunk)
                with guard:
                    held.difference_update(chunk)

    threads = [
        threading.Thread(target=run, args=("run-1", documents)),
        threading.Thread(target=run, args=("run-2", documents[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert overlaps == []
    assert holders(sessions) == {}
