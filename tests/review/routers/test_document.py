"""The document page: rejecting and adding labels with comments, refusals, 404."""

from __future__ import annotations

import re

import pytest
from review_store import csrf_of


def test_rejecting_and_adding_labels_from_the_document_page(client, review_store):
    document_id = review_store.ids["moscow"]
    page = client.get(f"/documents/{document_id}").text
    predicted = re.findall(r'value="reject:([a-z_]+)"', page)
    assert predicted
    detail = client.get(f"/api/documents/{document_id}").json()
    group = next(
        g["name"] for g in detail["groups"] if predicted[0] in {x["id"] for x in g["labels"]}
    )
    token = csrf_of(page)
    form = {"csrf_token": token, "group": group, "note": "not in the text"}
    rejected = client.post(
        f"/documents/{document_id}/labels", data={**form, "choice": f"reject:{predicted[0]}"}
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"] == f"/documents/{document_id}#group-{group}"
    addable = [
        label
        for label in client.app.state.review.taxonomy.group_ids(group)
        if label != predicted[0]
    ]
    client.post(
        f"/documents/{document_id}/labels",
        data={**form, "choice": "add", "add_label": addable[-1], "note": "said on page 2"},
    )
    history = client.get(f"/api/documents/{document_id}/decisions").json()
    assert [d["note"] for d in history] == ["said on page 2", "not in the text"]
    assert predicted[0] not in history[0]["labels"] and addable[-1] in history[0]["labels"]
    assert history[0]["supersedes_id"] == history[1]["id"]
    shown = client.get(f"/documents/{document_id}").text
    assert "said on page 2" in shown and 'class="mark dropped"' in shown


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"group": "functions", "choice": "add", "add_label": "no_such"}, 422),
        ({"group": "functions", "choice": "add"}, 422),
        ({"group": "functions", "choice": "smash:startup_support"}, 422),
        ({"group": "no_group", "choice": "accept:startup_support"}, 422),
    ],
)
def test_malformed_decisions_are_refused(client, review_store, form, status):
    document_id = review_store.ids["moscow"]
    token = csrf_of(client.get(f"/documents/{document_id}").text)
    response = client.post(f"/documents/{document_id}/labels", data={**form, "csrf_token": token})
    assert response.status_code == status
    assert client.get(f"/api/documents/{document_id}/decisions").json() == []


def test_an_unknown_document_is_404(client):
    assert client.get("/documents/" + "e" * 64).status_code == 404
    assert client.get("/api/documents/" + "e" * 64).status_code == 404
