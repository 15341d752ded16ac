"""The regions page."""

from __future__ import annotations


def test_the_regions_page_has_a_chart_and_the_named_cluster(client):
    html = client.get("/regions").text
    assert "<svg" in html and 'class="bar"' in html
    assert "RU-MOW" in html and "Московский инновационный кластер" in html
