"""A run reports only the work it did: another run's cached results count as done before."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

import flows.tag_documents as tagging
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import PredictionRow, RunRow, WorkClaimRow
from flows.tag_documents import tag_documents_flow


def run(inbox: Path, store_url: str, models_dir: Path, taxonomy_path: Path, out: Path) -> dict:
    return tag_documents_flow(
        inbox=str(inbox),
        db=store_url,
        out=str(out),
        models_dir=str(models_dir),
        taxonomy=str(taxonomy_path),
        chunk_size=3,
    )


def test_a_concurrent_run_does_not_report_the_first_runs_cached_work_as_its_own(
    inbox: Path,
    store_url: str,
    models_dir: Path,
    taxonomy_path: Path,
    tmp_path: Path,
    good_files: dict[str, list[str]],
    monkeypatch,
):
    """The second run looked at the store before the first one committed (as a run started at
    the same moment does): it plans the same chunks, and the cache hands it the first's results."""
    seen: dict[str, list] = {}

    def remember(name, function):
        def wrapper(*arguments):
            seen.setdefault(name, function(*arguments))
            return seen[name]

        return wrapper

    for name in ("documents_to_extract", "documents_to_tag"):
        monkeypatch.setattr(tagging, name, remember(name, getattr(tagging, name)))
    unseen = tagging.scan_inbox
    monkeypatch.setattr(
        tagging, "scan_inbox", lambda *a: [replace(item, known=False) for item in unseen(*a)]
    )
    first = run(inbox, store_url, models_dir, taxonomy_path, tmp_path / "first")
    second = run(inbox, store_url, models_dir, taxonomy_path, tmp_path / "second")

    assert first["tagged"] == len(good_files) and first["outcomes"]["ingested"] == len(good_files)
    assert first["done_before"] == {"entities_extracted": 0, "tagged": 0}
    assert second["tagged"] == 0 and second["entities_extracted"] == 0
    assert second["outcomes"]["ingested"] == 0 and second["outcomes"]["known"] == len(good_files)
    assert second["done_before"] == {
        "entities_extracted": first["entities_extracted"],
        "tagged": len(good_files),
    }
    summary = (tmp_path / "second" / "summary.md").read_text("utf-8")
    assert "documents ingested or re-tagged: 0 (tagged: 0" in summary
    assert f"tagged {len(good_files)}" in summary
    with open_store(store_url)() as session:
        assert session.scalar(select(func.count()).select_from(PredictionRow)) == len(good_files)
        assert session.scalar(select(func.count()).select_from(WorkClaimRow)) == 0
        runs = session.execute(select(RunRow.kind, RunRow.status)).all()
    assert [status for kind, status in runs if kind == tagging.RUN_KIND] == ["ok", "ok"]
    assert "running" not in {status for _, status in runs}
