"""Registered model versions with their scores side by side."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cluster_nlp.model_summaries import model_summaries
from cluster_nlp.review.dependencies import SignedIn, review_settings
from cluster_nlp.review.pages import render

router = APIRouter(tags=["models"])


@router.get("/models", include_in_schema=False)
def models_page(request: Request, session: SignedIn):
    versions = model_summaries(review_settings(request).models_dir)
    return render(request, "models.html", {"session": session, "versions": versions})
