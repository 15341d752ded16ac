"""Documents and named clusters per Russian federal subject, as a table and a bar chart."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request

from cluster_nlp.review.dependencies import SignedIn, review_settings
from cluster_nlp.review.pages import render
from cluster_nlp.store.queries import RegionRow, region_counts

router = APIRouter(tags=["regions"])
BAR_HEIGHT = 18  # chart units per region row
LABEL_WIDTH = 80  # chart units left of the bars for the region code
BAR_SPACE = 400


@cache
def subject_names() -> dict[str, str]:
    from cluster_nlp.nlp.gazetteer import load_regions

    return {subject.code: subject.name_ru for subject in load_regions().subjects}


def bar_chart(rows: list[RegionRow]) -> dict:
    """Bar geometry for an inline SVG: one bar per region, length by documents."""
    most = max((row.documents for row in rows), default=0) or 1
    bars = [
        {
            "code": row.code,
            "documents": row.documents,
            "y": index * BAR_HEIGHT,
            "text_y": index * BAR_HEIGHT + BAR_HEIGHT * 0.7,
            "width": max(1.0, BAR_SPACE * row.documents / most) if row.documents else 0,
            "value_x": LABEL_WIDTH + BAR_SPACE * row.documents / most + 6,
        }
        for index, row in enumerate(rows)
    ]
    return {
        "bars": bars,
        "label_width": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_SPACE + 60,
        "height": max(BAR_HEIGHT, BAR_HEIGHT * len(rows)),
        "bar_height": BAR_HEIGHT - 4,
    }


@router.get("/regions", include_in_schema=False)
def regions_page(request: Request, session: SignedIn):
    rows = region_counts(review_settings(request).sessions)
    return render(
        request,
        "regions.html",
        {
            "session": session,
            "rows": rows,
            "names": subject_names(),
            "chart": bar_chart(rows),
            "formation_ids": review_settings(request).taxonomy.group_ids("formation_type"),
        },
    )
