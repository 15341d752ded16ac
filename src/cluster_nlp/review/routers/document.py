"""A document: its text page by page, entities, labels with evidence, and the decision forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from cluster_nlp.review.dependencies import CheckedForm, SignedIn, review_settings
from cluster_nlp.review.page_images import PageImageError, page_png
from cluster_nlp.review.pages import render
from cluster_nlp.store.decisions import LabelAction, decide_label
from cluster_nlp.store.queries import DocumentDetail, show_document
from cluster_nlp.store.search import similar_documents
from cluster_nlp.taxonomy import UnknownLabelError

router = APIRouter(tags=["document"])
DOCUMENT_ID = r"^[0-9a-f]{64}$"
NOTE_MAX = 2000


def _figure(detail: DocumentDetail, passage_id: int | None) -> dict | None:
    """The page image and box of the chosen passage (default: the first evidence shown)."""
    if passage_id is None:
        passage_id = next(
            (
                evidence.passage_id
                for group in detail.groups
                for label in group.labels
                for evidence in label.evidence
                if evidence.bbox
            ),
            None,
        )
    for page in detail.pages:
        for passage in page.passages:
            if passage.id == passage_id and passage.bbox and page.width:
                box = passage.bbox
                return {
                    "passage": passage.id,
                    "page": page.number,
                    "width": page.width,
                    "height": page.height,
                    "x": box["x0"],
                    "y": box["top"],
                    "w": box["x1"] - box["x0"],
                    "h": box["bottom"] - box["top"],
                }
    return None


def _detail(request: Request, document_id: str) -> DocumentDetail:
    detail = show_document(review_settings(request).sessions, document_id)
    if detail is None:
        raise HTTPException(status_code=404, detail="no such document")
    return detail


@router.get("/documents/{document_id}", include_in_schema=False)
def document_page(request: Request, session: SignedIn, document_id: str, show: int | None = None):
    detail = _detail(request, document_id)
    settings = review_settings(request)
    similar = similar_documents(settings.sessions, document_id, 5)
    return render(
        request,
        "document.html",
        {
            "session": session,
            "doc": detail,
            "figure": _figure(detail, show),
            "similar": similar,
            "addable": {
                group.name: [
                    label
                    for label in settings.taxonomy.group_ids(group.name)
                    if label not in {shown.id for shown in group.labels}
                ]
                for group in detail.groups
            },
        },
    )


def _choice(choice: str, added: str | None) -> tuple[LabelAction, str]:
    """A button's value, ``accept:ID``, ``reject:ID`` or ``add`` (with the chosen label)."""
    action, _, label = choice.partition(":")
    try:
        parsed = LabelAction(action)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"unknown action {action!r}") from None
    label = added if parsed is LabelAction.ADD else label
    if not label:
        raise HTTPException(status_code=422, detail="choose a label to add")
    return parsed, label


@router.post("/documents/{document_id}/labels", include_in_schema=False)
def decide(
    request: Request,
    session: CheckedForm,
    document_id: str,
    group: Annotated[str, Form()],
    choice: Annotated[str, Form(max_length=200)],
    add_label: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
    back: Annotated[str, Form()] = "document",
):
    """One label kept, dropped or added in one group, with the analyst's comment."""
    settings = review_settings(request)
    _detail(request, document_id)
    action, label = _choice(choice, add_label)
    try:
        settings.taxonomy.require_ids(group, [label])
    except UnknownLabelError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    decide_label(
        settings.sessions, document_id, group, label, action, session.user.name, note.strip()
    )
    target = "/queue" if back == "queue" else f"/documents/{document_id}#group-{group}"
    return RedirectResponse(target, status_code=303)


@router.get("/documents/{document_id}/pages/{number}.png", include_in_schema=False)
def page_image(request: Request, _session: SignedIn, document_id: str, number: int):
    settings = review_settings(request)
    try:
        png = page_png(settings.sessions, settings.files_root, document_id, number)
    except PageImageError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
