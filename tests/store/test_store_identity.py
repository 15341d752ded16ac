"""A store's identity: its first run, the same for its whole life, different for a new store."""

from __future__ import annotations

from pathlib import Path

from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import start_run, store_identity


def test_identity_is_the_first_run_and_tells_stores_apart(store_url: str, tmp_path: Path):
    sessions = open_store(store_url)
    assert store_identity(sessions) is None
    first = start_run(sessions, "tag", {})
    start_run(sessions, "ingest", {})
    assert store_identity(sessions) == first
    other = open_store(f"sqlite:///{tmp_path}/other.db")
    start_run(other, "tag", {})
    assert store_identity(other) not in (None, first)
