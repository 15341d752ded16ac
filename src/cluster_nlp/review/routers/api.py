"""The JSON API: the pages' data under /api/, behind the same login (session or bearer token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from cluster_nlp.model_summaries import ModelSummary, model_summaries
from cluster_nlp.records import GroupDecision
from cluster_nlp.review.dependencies import ApiWriter, CurrentUser, current_user, review_settings
from cluster_nlp.review.routers.documents import Table
from cluster_nlp.store.decisions import decision_history, save_group_decision
from cluster_nlp.store.queries import (
    DocumentDetail,
    DocumentPage,
    DocumentSummary,
    RegionRow,
    region_counts,
    review_queue,
    show_document,
)
from cluster_nlp.store.search import find_documents, similar_documents
from cluster_nlp.taxonomy import UnknownLabelError

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(current_user)])


class NewDecision(BaseModel):
    group: str
    labels: list[str] = Field(max_length=100)
    note: str | None = Field(None, max_length=2000)


class Similar(BaseModel):
    id: str
    score: float


@router.get("/documents", response_model=DocumentPage)
def api_documents(request: Request, table: Table) -> DocumentPage:
    """Documents with the table's filters (``q``: full-text search, ``like``: similar to)."""
    return find_documents(review_settings(request).sessions, table.filters, table.q, table.like)


@router.get("/documents/{document_id}", response_model=DocumentDetail)
def api_document(request: Request, document_id: str) -> DocumentDetail:
    """One document: text by page and passage, entities, predictions with evidence, decisions."""
    detail = show_document(review_settings(request).sessions, document_id)
    if detail is None:
        raise HTTPException(status_code=404, detail="no such document")
    return detail


@router.get("/documents/{document_id}/similar", response_model=list[Similar])
def api_similar(request: Request, document_id: str, limit: int = 10) -> list[Similar]:
    found = similar_documents(review_settings(request).sessions, document_id, min(limit, 100))
    return [Similar(id=other, score=score) for other, score in found]


@router.get("/documents/{document_id}/decisions", response_model=list[GroupDecision])
def api_decisions(request: Request, document_id: str) -> list[GroupDecision]:
    """Every decision on the document, newest first (superseded ones included)."""
    return decision_history(review_settings(request).sessions, document_id)


@router.post("/documents/{document_id}/decisions", response_model=GroupDecision, status_code=201)
def api_decide(
    request: Request,
    user: ApiWriter,
    document_id: str,
    decision: Annotated[NewDecision, Body()],
) -> GroupDecision:
    """A group's labels as the analyst decides them (supersedes the group's earlier decision)."""
    settings = review_settings(request)
    if show_document(settings.sessions, document_id) is None:
        raise HTTPException(status_code=404, detail="no such document")
    try:
        settings.taxonomy.require_ids(decision.group, decision.labels)
    except UnknownLabelError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    return save_group_decision(
        settings.sessions, document_id, decision.group, decision.labels, user.name, decision.note
    )


@router.get("/queue", response_model=list[DocumentSummary])
def api_queue(request: Request, limit: int = 50) -> list[DocumentSummary]:
    """Documents with undecided groups, the model's least certain first."""
    return review_queue(review_settings(request).sessions, min(limit, 500))


@router.get("/regions", response_model=list[RegionRow])
def api_regions(request: Request) -> list[RegionRow]:
    return region_counts(review_settings(request).sessions)


@router.get("/models", response_model=list[ModelSummary])
def api_models(request: Request) -> list[ModelSummary]:
    return model_summaries(review_settings(request).models_dir)


@router.get("/me")
def api_me(user: CurrentUser) -> dict[str, str]:
    return {"name": user.name}


@router.get("/openapi.json", include_in_schema=False)
def api_schema(request: Request) -> dict:
    """This API's OpenAPI schema (FastAPI builds it from the routes)."""
    return request.app.openapi()
