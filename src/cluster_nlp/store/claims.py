"""Work claims: two runs over one store never process the same document at once.

Prefect's concurrency limits only hold within one Prefect server, while a manual
``cluster-nlp run`` (with its own temporary server) may meet a served deployment's run on the
same store. So the store itself records who works on what. A claim is dead once it expires,
or at once when its owner is a process on this host that no longer runs (a killed run).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cluster_nlp.store.abandoned import owner_is_gone, process_owner
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import WorkClaimRow, utcnow

CLAIM_ATTEMPTS = 3
__all__ = ["ClaimConflictError", "claim", "claimed", "process_owner", "release"]


class ClaimConflictError(RuntimeError):
    """Other runs kept claiming the same documents while this one tried."""


def claim(
    sessions: SessionFactory, stage: str, ids: Iterable[str], owner: str, ttl_s: float
) -> bool:
    """Claim all of ``ids`` for ``owner`` in ``stage``, or none when another live claim holds one.

    All or nothing, so a run never holds some documents while it waits for others (no
    deadlock between two runs that want overlapping chunks).
    """
    wanted = list(dict.fromkeys(ids))
    for _ in range(CLAIM_ATTEMPTS):
        try:
            with sessions.begin() as session:
                now = utcnow()
                held = list(
                    session.scalars(
                        select(WorkClaimRow).where(
                            WorkClaimRow.stage == stage, WorkClaimRow.document_id.in_(wanted)
                        )
                    )
                )
                live = [row for row in held if row.owner == owner or not _is_dead(row, now)]
                if any(row.owner != owner for row in live):
                    return False
                for row in held:
                    session.delete(row)
                session.flush()
                expires = now + timedelta(seconds=ttl_s)
                session.add_all(
                    WorkClaimRow(stage=stage, document_id=item, owner=owner, expires_at=expires)
                    for item in wanted
                )
            return True
        except IntegrityError:
            continue  # another run claimed some of them between our read and our write
    return False


def _is_dead(row: WorkClaimRow, now: datetime) -> bool:
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return expires < now or owner_is_gone(row.owner)


def release(sessions: SessionFactory, stage: str, ids: Iterable[str], owner: str) -> None:
    with sessions.begin() as session:
        session.execute(
            delete(WorkClaimRow).where(
                WorkClaimRow.stage == stage,
                WorkClaimRow.owner == owner,
                WorkClaimRow.document_id.in_(list(ids)),
            )
        )


@contextmanager
def claimed(
    sessions: SessionFactory,
    stage: str,
    ids: Iterable[str],
    owner: str,
    ttl_s: float,
    poll_s: float = 1.0,
) -> Iterator[None]:
    """Hold ``ids`` for the duration of the block, waiting while another run holds any of them.

    Waits at most ``ttl_s``, by which time the other run's claims have expired.
    """
    wanted = list(dict.fromkeys(ids))
    deadline = time.monotonic() + ttl_s
    while not claim(sessions, stage, wanted, owner, ttl_s):
        if time.monotonic() > deadline:
            raise ClaimConflictError(
                f"{stage}: {len(wanted)} documents stayed claimed by another run for {ttl_s:.0f} s"
            )
        time.sleep(poll_s)
    try:
        yield
    finally:
        release(sessions, stage, wanted, owner)
