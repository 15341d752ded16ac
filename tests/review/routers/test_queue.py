"""The review queue page."""

from __future__ import annotations


def test_the_queue_shows_the_least_certain_document_with_shortcut_hooks(client):
    queue = client.get("/api/queue").json()
    html = client.get("/queue").text
    assert f"/documents/{queue[0]['id']}" in html
    assert 'class="queue-row focused' in html and 'id="queue-open"' in html
