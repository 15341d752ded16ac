"""Runs and claims left behind by a process that died (SIGKILL, power loss, OOM killer).

A run records its owner (``host:pid:run``) when it starts. Every run that starts or finishes
settles what dead processes on this host left: their ``running`` runs become ``abandoned``
and their claims are released, as are claims past their expiry from anywhere. A process on
another host can only be told dead by its claims' expiry, so its runs are left as they are.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import psutil
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cluster_nlp.store.models import RunRow, WorkClaimRow, utcnow

ABANDONED = "abandoned"
# A pid whose process started this long after the run did is a new process under an old pid.
PID_REUSE_MARGIN_S = 2.0


def process_owner(run_id: str, pid: int | None = None) -> str:
    """An owner name that says where the claiming process runs: ``host:pid:run``."""
    return f"{socket.gethostname()}:{pid or os.getpid()}:{run_id}"[:64]


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def owner_is_gone(owner: str, since: datetime | None = None) -> bool:
    """True when ``owner`` is a process on this host that no longer runs (or whose pid now
    belongs to a process started after ``since``); another host's process is never judged."""
    host, _, rest = owner.partition(":")
    pid, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        process = psutil.Process(int(pid))
        if process.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent
            return True
        started = process.create_time()
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # alive but not ours to inspect: alive
        return False
    return since is not None and started > _as_utc(since).timestamp() + PID_REUSE_MARGIN_S


@dataclass(frozen=True)
class Settled:
    runs: list[str]  # ids of the runs marked abandoned
    claims: int  # claims released


def settle_abandoned(sessions: sessionmaker[Session]) -> Settled:
    """Mark the running runs of dead owners ``abandoned``; release dead and expired claims."""
    with sessions.begin() as session:
        now = utcnow()
        runs = []
        for run in session.scalars(select(RunRow).where(RunRow.status == "running")):
            owner = (run.params or {}).get("owner")
            if isinstance(owner, str) and owner_is_gone(owner, run.started_at):
                run.status = ABANDONED
                run.finished_at = now
                runs.append(run.id)
        dead = [
            row
            for row in session.scalars(select(WorkClaimRow))
            if _as_utc(row.expires_at) < now or owner_is_gone(row.owner)
        ]
        for row in dead:
            session.delete(row)
    return Settled(runs, len(dead))
