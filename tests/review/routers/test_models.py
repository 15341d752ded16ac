"""The models page and its API."""

from __future__ import annotations

import json
import re

from cluster_nlp.registry import CURRENT_FILE


def test_the_models_page_marks_the_current_version(client, tmp_path):
    models = client.app.state.review.models_dir
    for version, reviewed in (("v1", 0), ("v2", 3)):
        folder = models / version
        folder.mkdir()
        metadata = {
            "version": version,
            "reviewed_documents": reviewed,
            "train_documents": 9,
            "model_sha256": "0" * 64,  # the registry lists only versions with valid metadata
            "taxonomy_version": "t1",
        }
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
