"""The review queue: the least certain document first, decided label by label from the keyboard."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cluster_nlp.review.dependencies import SignedIn, review_settings
from cluster_nlp.review.pages import render
from cluster_nlp.store.queries import review_queue, show_document

router = APIRouter(tags=["queue"])


@router.get("/queue", include_in_schema=False)
def queue_page(request: Request, session: SignedIn, at: int = 0):
    sessions = review_settings(request).sessions
    waiting = review_queue(sessions)
    at = min(max(at, 0), max(len(waiting) - 1, 0))
    current = show_document(sessions, waiting[at].id) if waiting else None
    rows = []
    if current is not None:
        for group in current.groups:
            if group.decision is not None:
                continue
            rows.extend((group.name, label) for label in group.labels)
        rows.sort(key=lambda row: (not row[1].needs_review, row[0]))
    return render(
        request,
        "queue.html",
        {
            "session": session,
            "waiting": waiting,
            "at": at,
            "current": current,
            "rows": rows,
            "previous": f"/queue?at={at - 1}" if at > 0 else None,
            "next": f"/queue?at={at + 1}" if at + 1 < len(waiting) else None,
        },
    )
