"""The JSON API's schema."""

from __future__ import annotations


def test_the_api_is_documented_by_openapi(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/documents" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/documents"]["get"]["parameters"]}
    assert {"q", "like", "functions", "region", "band", "review", "page"} <= parameters
    assert "post" in schema["paths"]["/api/documents/{document_id}/decisions"]
    assert not any(path.startswith("/documents") for path in schema["paths"])
