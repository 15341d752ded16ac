"""The documents table: filters, sorting, pages, full-text search and "more like this"."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import ValidationError

from cluster_nlp.review.dependencies import SignedIn, review_settings
from cluster_nlp.review.pages import render
from cluster_nlp.store.queries import Band, DocumentFilters, ReviewStatus, facet_values
from cluster_nlp.store.search import find_documents

router = APIRouter(tags=["documents"])
SEARCH_FIELDS = ("q", "like")


class TableQuery:
    """The table's query string: filters for ``DocumentFilters``, plus search and similarity.

    Empty values (a select left on "any") mean no filter.
    """

    def __init__(self, request: Request) -> None:
        given = {key: value for key, value in request.query_params.items() if value.strip()}
        self.query = given.get("q")
        self.like = given.get("like")
        self.given = given
        try:
            self.filters = DocumentFilters.model_validate(
                {key: value for key, value in given.items() if key not in SEARCH_FIELDS}
            )
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise HTTPException(status_code=422, detail=f"{where}: {first['msg']}") from None

    def link(self, **changes) -> str:
        """This table's address with some parameters changed (None drops one)."""
        merged = {**self.given, **changes}
        return "?" + urlencode({key: value for key, value in merged.items() if value is not None})


Table = Annotated[TableQuery, Depends(TableQuery)]


@router.get("/", include_in_schema=False)
@router.get("/documents", include_in_schema=False)
def documents_page(request: Request, session: SignedIn, table: Table):
    sessions = review_settings(request).sessions
    page = find_documents(sessions, table.filters, table.query, table.like)
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
            "table": table.given,
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
