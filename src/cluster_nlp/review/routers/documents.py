"""The documents table: filters, sorting, pages, full-text search and "more like this"."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, field_validator

from cluster_nlp.review.dependencies import SignedIn, review_settings
from cluster_nlp.review.pages import render
from cluster_nlp.store.queries import (
    Band,
    DocumentFilters,
    ReviewStatus,
    SortKey,
    facet_values,
)
from cluster_nlp.store.search import find_documents

router = APIRouter(tags=["documents"])


class TableQuery(BaseModel):
    """The documents table's query string: search, similarity, filters, sort and page.

    A blank value (a select left on "any") means no filter.
    """

    q: str | None = Field(None, max_length=500, description="full-text search: every word")
    like: str | None = Field(None, description="documents like this one (by passage vectors)")
    formation_type: str | None = None
    functions: str | None = None
    institutional_forms: str | None = None
    region: str | None = Field(None, description="ISO 3166-2 code, e.g. RU-MOW")
    lang: str | None = None
    band: Band | None = Field(None, description="confidence band by the smallest margin")
    review: ReviewStatus | None = None
    model_version: str | None = None
    sort: SortKey | None = None
    page: int | None = Field(None, ge=1)
    per_page: int | None = Field(None, ge=1, le=200)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def filters(self) -> DocumentFilters:
        given = self.model_dump(exclude_none=True, exclude={"q", "like"})
        return DocumentFilters(**given)

    def link(self, **changes) -> str:
        """This table's address with some parameters changed (None drops one)."""
        merged = {**self.model_dump(mode="json", exclude_none=True), **changes}
        return "?" + urlencode({key: value for key, value in merged.items() if value is not None})


Table = Annotated[TableQuery, Query()]


@router.get("/", include_in_schema=False)
@router.get("/documents", include_in_schema=False)
def documents_page(request: Request, session: SignedIn, table: Table):
    sessions = review_settings(request).sessions
    page = find_documents(sessions, table.filters, table.q, table.like)
    pages = {
        "previous": table.link(page=page.page - 1) if page.page > 1 else None,
        "next": table.link(page=page.page + 1) if page.page < page.pages else None,
    }
    sorts = {key: table.link(sort=key, page=None) for key in ("title", "margin", "created")}
    return render(
        request,
        "documents.html",
        {
            "session": session,
            "page": page,
            "table": table.model_dump(mode="json", exclude_none=True),
            "pages": pages,
            "sorts": sorts,
            "facets": facet_values(sessions),
            "bands": [band.value for band in Band],
            "reviews": [status.value for status in ReviewStatus],
            "taxonomy_ids": {
                group.id: group.ids for group in review_settings(request).taxonomy.groups
            },
        },
    )
