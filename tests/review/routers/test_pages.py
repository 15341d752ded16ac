"""The pages, signed in: filters, search, a decision from the document page, queue, regions."""

from __future__ import annotations

import json
import re

import pytest
from review_store import csrf_of

from cluster_nlp.registry import CURRENT_FILE

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
    assert "band" in response.json()["detail"]


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


def test_the_queue_shows_the_least_certain_document_with_shortcut_hooks(client):
    queue = client.get("/api/queue").json()
    html = client.get("/queue").text
    assert f"/documents/{queue[0]['id']}" in html
    assert 'class="queue-row focused' in html and 'id="queue-open"' in html


def test_the_regions_page_has_a_chart_and_the_named_cluster(client):
    html = client.get("/regions").text
    assert "<svg" in html and 'class="bar"' in html
    assert "RU-MOW" in html and "Московский инновационный кластер" in html


def test_the_models_page_marks_the_current_version(client, tmp_path):
    models = client.app.state.review.models_dir
    for version, reviewed in (("v1", 0), ("v2", 3)):
        folder = models / version
        folder.mkdir()
        metadata = {"version": version, "reviewed_documents": reviewed, "train_documents": 9}
        (folder / "metadata.json").write_text(json.dumps(metadata), "utf-8")
        metrics = {"test": {"functions": {"micro": {"f1": 0.5 + reviewed / 10}}}}
        (folder / "metrics.json").write_text(json.dumps(metrics), "utf-8")
    (models / CURRENT_FILE).write_text("v2\n", "utf-8")
    rows = client.get("/api/models").json()
    assert [(r["version"], r["current"], r["reviewed_documents"]) for r in rows] == [
        ("v2", True, 3),
        ("v1", False, 0),
    ]
    html = client.get("/models").text
    assert re.search(r'<tr class="current">\s*<td>v2', html)
    assert "0.800" in html


def test_the_api_is_documented_by_openapi(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/documents" in schema["paths"]
    assert "post" in schema["paths"]["/api/documents/{document_id}/decisions"]
    assert not any(path.startswith("/documents") for path in schema["paths"])
