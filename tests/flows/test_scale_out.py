"""The tagging flow on a two-worker Dask LocalCluster gives what the default runner gives."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from flows.tag_documents import tag_documents_flow, with_task_runner


def outputs_of(out: Path) -> tuple[list[dict], list[dict]]:
    lines = (out / "tags.jsonl").read_text("utf-8").splitlines()
    tags = sorted(map(json.loads, lines), key=lambda row: row["id"])
    with open(out / "entities.csv", encoding="utf-8-sig") as handle:
        entities = sorted(csv.DictReader(handle), key=lambda row: tuple(row.values()))
    return tags, entities


def test_dask_local_cluster_gives_the_default_runners_outputs(
    inbox_maker, models_dir: Path, taxonomy_path: Path, tmp_path: Path
):
    inbox = inbox_maker(tmp_path / "inbox")
    results = {}
    for runner in (None, "local:2"):
        name = runner or "default"
        flow = with_task_runner(tag_documents_flow, runner)
        results[name] = flow(
            inbox=str(inbox),
            db=f"sqlite:///{tmp_path}/{name.replace(':', '-')}.db",
            out=str(tmp_path / name),
            models_dir=str(models_dir),
            taxonomy=str(taxonomy_path),
            chunk_size=3,
        )
    default, dask = results["default"], results["local:2"]
    assert dask["failures"] == [] and dask["tagged"] == default["tagged"] == 6
    assert dask["outcomes"] == default["outcomes"]
    assert outputs_of(tmp_path / "local:2") == outputs_of(tmp_path / "default")


@pytest.mark.parametrize("address", ["local:0", "local:two"])
def test_a_local_cluster_needs_a_positive_worker_count(address: str):
    with pytest.raises(ValueError, match="local:N"):
        with_task_runner(tag_documents_flow, address)
