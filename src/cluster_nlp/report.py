"""What a tagging run saw, and how it differs from the runs before it (drift).

A run's statistics are shares: of documents per label, per language and per status, and the
mean text-layer grade. Comparing shares with the previous runs' average shows when the
incoming documents change (another language, another genre, a scanner without OCR).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import DocumentRow, PageRow, PredictionRow, RunRow
from cluster_nlp.taxonomy import GROUPS

DRIFT_POINTS = 0.15  # a share that moves by more than this is flagged
HISTORY = 5


def _shares(counter: Counter, total: int) -> dict[str, float]:
    return {key: round(count / total, 4) for key, count in sorted(counter.items())} if total else {}


def run_statistics(sessions: SessionFactory, document_ids: list[str], model_version: str) -> dict:
    ids = list(dict.fromkeys(document_ids))
    with sessions() as session:
        documents = (
            session.execute(
                select(DocumentRow.id, DocumentRow.lang, DocumentRow.status).where(
                    DocumentRow.id.in_(ids)
                )
            ).all()
            if ids
            else []
        )
        grades = (
            session.execute(
                select(func.avg(PageRow.quality["grade"].as_float()), func.count()).where(
                    PageRow.document_id.in_(ids)
                )
            ).one()
            if ids
            else (None, 0)
        )
        predictions = (
            session.scalars(
                select(PredictionRow.groups).where(
                    PredictionRow.document_id.in_(ids), PredictionRow.model_version == model_version
                )
            ).all()
            if ids
            else []
        )
    labels: Counter = Counter()
    needs_review = 0
    for groups in predictions:
        for group in GROUPS:
            labels.update(groups[group]["labels"])
        needs_review += any(groups[group]["needs_review"] for group in GROUPS)
    total = len(documents)
    return {
        "documents": total,
        "tagged": len(predictions),
        "needs_review": needs_review,
        "languages": _shares(Counter(d.lang or "unknown" for d in documents), total),
        "statuses": _shares(Counter(d.status for d in documents), total),
        "labels": _shares(labels, len(predictions)),
        "mean_page_grade": round(float(grades[0]), 4) if grades[0] is not None else None,
        "pages": int(grades[1]),
    }


def previous_statistics(sessions: SessionFactory, kind: str, before_run: str) -> list[dict]:
    with sessions() as session:
        rows = session.scalars(
            select(RunRow)
            .where(RunRow.kind == kind, RunRow.status == "ok", RunRow.id != before_run)
            .order_by(RunRow.started_at.desc())
            .limit(HISTORY)
        ).all()
        return [row.counts for row in rows if row.counts.get("documents")]


def _mean_shares(history: list[dict], field: str) -> dict[str, float]:
    keys = {key for stats in history for key in stats.get(field, {})}
    return {
        key: sum(s.get(field, {}).get(key, 0.0) for s in history) / len(history) for key in keys
    }


def drift_markdown(current: dict, history: list[dict]) -> str:
    lines = [
        "# Tagging run summary",
        "",
        f"- documents in this run: {current['documents']} (tagged: {current['tagged']}, "
        f"needing review: {current['needs_review']})",
        f"- mean text-layer grade: {current['mean_page_grade']} over {current['pages']} pages",
    ]
    done_before = {name: count for name, count in current.get("done_before", {}).items() if count}
    if done_before:  # cached results of another run's work, not counted above
        lines.append(
            "- done before by another run: "
            + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in done_before.items())
        )
    lines.append("")
    if not history:
        lines.append("No earlier run to compare with: this run is the baseline for drift.")
        return "\n".join(lines) + "\n"
    lines += [
        f"Compared with the mean of the previous {len(history)} run(s); "
        f"shifts above {DRIFT_POINTS:.0%} are flagged.",
        "",
    ]
    for field, title in (
        ("languages", "Languages"),
        ("statuses", "Statuses"),
        ("labels", "Labels"),
    ):
        before = _mean_shares(history, field)
        keys = sorted(set(before) | set(current[field]))
        lines += [
            f"## {title}",
            "",
            "| value | this run | previous runs | shift |",
            "|---|---:|---:|---|",
        ]
        for key in keys:
            now, then = current[field].get(key, 0.0), before.get(key, 0.0)
            flag = "⚠ drift" if abs(now - then) > DRIFT_POINTS else ""
            lines.append(f"| {key} | {now:.0%} | {then:.0%} | {flag} |")
        lines.append("")
    grades = [s["mean_page_grade"] for s in history if s.get("mean_page_grade") is not None]
    if grades and current["mean_page_grade"] is not None:
        mean_before = sum(grades) / len(grades)
        flag = " ⚠ drift" if abs(current["mean_page_grade"] - mean_before) > DRIFT_POINTS else ""
        lines.append(
            f"Extraction quality: mean grade {current['mean_page_grade']:.2f} "
            f"against {mean_before:.2f} before.{flag}"
        )
    return "\n".join(lines) + "\n"
