"""The documents table: links, filters, search, pages, bad filter values."""

from __future__ import annotations

import re

import pytest

DOC_LINK = re.compile(r'href="/documents/([0-9a-f]{64})"')


def listed(html: str) -> set[str]:
    return set(DOC_LINK.findall(html))


def test_the_home_page_links_every_document(client, review_store):
    assert listed(client.get("/").text) == set(review_store.ids.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lang=en", {"network"}),
        ("region=RU-NVS", {"nsk"}),
        ("q=конференции", {"moscow"}),
        ("q=platform&lang=ru", set()),
        ("per_page=1&sort=title", {"network"}),
        ("per_page=1&sort=title&page=2", {"nsk"}),  # "nsk.pdf": a file name stands in
    ],
)
def test_filters_search_and_pages(client, review_store, query, expected):
    html = client.get(f"/?{query}").text
    assert listed(html) == {review_store.ids[name] for name in expected}


def test_a_bad_filter_value_is_a_clear_error(client):
    response = client.get("/?band=unsure")
    assert response.status_code == 422
    assert "band" in str(response.json()["detail"])
