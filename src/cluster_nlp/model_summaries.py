"""The registered model versions side by side: test scores, baseline, decisions trained with."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from cluster_nlp.registry import list_versions, read_metrics
from cluster_nlp.taxonomy import GROUPS


class ModelSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    current: bool
    train_documents: int | None
    test_documents: int | None
    reviewed_documents: int  # analysts' decisions the version was trained with
    test_f1: dict[str, float | None]  # micro-F1 per group on the held-out split
    baseline_f1: dict[str, float | None]  # the keyword baseline on the same split
    mean_f1: float | None


def _micro_f1(metrics: dict, part: str, group: str) -> float | None:
    value = metrics.get(part, {}).get(group, {}).get("micro", {}).get("f1")
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def model_summaries(models_dir: Path) -> list[ModelSummary]:
    """Every registered version, newest first."""
    summaries = []
    for metadata in list_versions(models_dir):
        version = metadata.get("version")
        if not version:
            continue
        metrics = read_metrics(models_dir, version)
        test = {group: _micro_f1(metrics, "test", group) for group in GROUPS}
        known = [value for value in test.values() if value is not None]
        summaries.append(
            ModelSummary(
                version=version,
                current=metadata["current"],
                train_documents=metadata.get("train_documents"),
                test_documents=metadata.get("test_documents"),
                reviewed_documents=metadata.get("reviewed_documents", 0),
                test_f1=test,
                baseline_f1={group: _micro_f1(metrics, "baseline", group) for group in GROUPS},
                mean_f1=sum(known) / len(known) if known else None,
            )
        )
    return sorted(summaries, key=lambda summary: summary.version, reverse=True)
