"""What a tagging run saw, what the store holds, and how the run differs from earlier ones.

A run's statistics are shares: of documents per label, per language and per status, and the
mean text-layer grade. Comparing shares with the previous runs' average shows when the
incoming documents change (another language, another genre, a scanner without OCR); a share
of a handful of documents says nothing, so drift is flagged only when this run and the runs
before it each hold ``MIN_DRIFT_DOCUMENTS``.

``summary_markdown`` and ``report_html`` tell the run apart from the whole store: the
store's part is computed from the export's document rows (``store_overview``).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select

from cluster_nlp.export import NameLanguage, label_name, region_name
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import DocumentRow, PageRow, PredictionRow, RunRow
from cluster_nlp.taxonomy import GROUPS, Taxonomy

DRIFT_POINTS = 0.15  # a share that moves by more than this is flagged
MIN_DRIFT_DOCUMENTS = 20  # fewer documents on either side: shares are shown, never flagged
HISTORY = 5
TOP_LABELS = 10


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
        "label_counts": dict(sorted(labels.items())),
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


@dataclass(frozen=True)
class DriftRow:
    value: str
    now: float
    before: float
    flagged: bool


@dataclass(frozen=True)
class Drift:
    """This run's shares beside the earlier runs' mean, per field."""

    runs: int
    documents_before: int
    enough: bool  # both sides hold MIN_DRIFT_DOCUMENTS, so shifts may be flagged
    fields: dict[str, list[DriftRow]] = field(default_factory=dict)
    grade_now: float | None = None
    grade_before: float | None = None

    @property
    def flagged(self) -> list[str]:
        return [
            f"{name}: {row.value}"
            for name, rows in self.fields.items()
            for row in rows
            if row.flagged
        ]


DRIFT_FIELDS = {"languages": "Languages", "statuses": "Statuses", "labels": "Labels"}


def drift(current: dict, history: list[dict]) -> Drift | None:
    """None when no earlier run exists; shifts flagged only with enough documents both sides."""
    if not history:
        return None
    before_count = sum(stats.get("documents", 0) for stats in history)
    enough = min(current["documents"], before_count) >= MIN_DRIFT_DOCUMENTS
    fields = {}
    for name in DRIFT_FIELDS:
        before = _mean_shares(history, name)
        fields[name] = [
            DriftRow(
                key,
                current[name].get(key, 0.0),
                before.get(key, 0.0),
                enough and abs(current[name].get(key, 0.0) - before.get(key, 0.0)) > DRIFT_POINTS,
            )
            for key in sorted(set(before) | set(current[name]))
        ]
    grades = [s["mean_page_grade"] for s in history if s.get("mean_page_grade") is not None]
    return Drift(
        runs=len(history),
        documents_before=before_count,
        enough=enough,
        fields=fields,
        grade_now=current.get("mean_page_grade"),
        grade_before=sum(grades) / len(grades) if grades else None,
    )


def _file_link(path: str, out_dir: Path) -> str | None:
    """A link from the report's folder to a local file; None for remote or odd paths."""
    if "://" in path:
        return None
    try:
        target = Path(path).resolve()
        return Path(os.path.relpath(target, out_dir.resolve())).as_posix()
    except (OSError, ValueError):
        return None


def store_overview(
    rows: list[dict], taxonomy: Taxonomy, out_dir: Path, names: NameLanguage = NameLanguage.RU
) -> dict:
    """The whole store from the export's document rows (label ids): counts per label and
    group, region, language and status, and the documents needing review."""
    label_counts = Counter(label for row in rows for group in GROUPS for label in row[group])
    groups = {
        getattr(taxonomy.group(group), "en" if names is NameLanguage.EN else "ru"): [
            (label_name(taxonomy, label, names), label_counts.get(label, 0))
            for label in taxonomy.group_ids(group)
        ]
        for group in GROUPS
    }
    regions = Counter(code for row in rows for code in row["regions"])
    review = [
        {
            "path": row["path"],
            "title": row["title"] or "",
            "link": _file_link(row["path"], out_dir),
            "uncertain": [label_name(taxonomy, x, names) for x in row["uncertain_labels"]],
            "close": [label_name(taxonomy, x, names) for x in row["close_labels"]],
        }
        for row in rows
        if row["uncertain_labels"] or row["close_labels"]
    ]
    return {
        "documents": len(rows),
        "tagged": sum(row["model_version"] is not None for row in rows),
        "groups": groups,
        "top_labels": [
            (label_name(taxonomy, label, names), count)
            for label, count in label_counts.most_common(TOP_LABELS)
        ],
        "regions": [
            (code, region_name(code, names), count) for code, count in regions.most_common()
        ],
        "languages": Counter(row["lang"] or "unknown" for row in rows).most_common(),
        "statuses": Counter(row["status"] for row in rows).most_common(),
        "review": review,
    }


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]


def summary_markdown(current: dict, history: list[dict], store: dict) -> str:
    """The run (its files, outcomes, labels, drift) and then the whole store, each titled."""
    outcomes = ", ".join(f"{name} {count}" for name, count in current.get("outcomes", {}).items())
    lines = [
        "# Tagging run summary",
        "",
        "## This run",
        "",
        f"- files in the inbox: {current.get('files', 0)} ({outcomes or 'none'}); "
        f"failed: {current.get('failed', 0)}",
        f"- documents ingested or re-tagged: {current['documents']} (tagged: {current['tagged']}, "
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
    counts = sorted(current.get("label_counts", {}).items(), key=lambda item: -item[1])
    if counts:
        lines += ["Labels of this run's documents:", ""]
        lines += _table(("label", "documents"), counts[:TOP_LABELS]) + [""]
    lines += _drift_markdown(drift(current, history))
    lines += [
        "## The whole store (what tags.csv and report.html describe)",
        "",
        f"- documents: {store['documents']} (tagged by this model: {store['tagged']}, "
        f"needing review: {len(store['review'])})",
        "- statuses: " + ", ".join(f"{k} {v}" for k, v in store["statuses"]),
        "- languages: " + ", ".join(f"{k} {v}" for k, v in store["languages"]),
        "",
    ]
    if store["top_labels"]:
        lines += _table(("label", "documents"), store["top_labels"]) + [""]
    if store["regions"]:
        regions = [(name, code, count) for code, name, count in store["regions"][:TOP_LABELS]]
        lines += _table(("region", "code", "documents"), regions) + [""]
    return "\n".join(lines) + "\n"


def _drift_markdown(result: Drift | None) -> list[str]:
    if result is None:
        return ["No earlier run to compare with: this run is the baseline for drift.", ""]
    lines = [
        "## Drift",
        "",
        f"This run against the mean of the previous {result.runs} run(s) "
        f"({result.documents_before} documents). Shifts above {DRIFT_POINTS:.0%} are flagged "
        f"only when both sides hold at least {MIN_DRIFT_DOCUMENTS} documents.",
        "",
    ]
    if not result.enough:
        lines += ["Too few documents to flag drift: the shares below are for reading only.", ""]
    for name, title in DRIFT_FIELDS.items():
        lines += [f"### {title}", ""]
        lines += _table(
            ("value", "this run", "previous runs", "shift"),
            [
                (row.value, f"{row.now:.0%}", f"{row.before:.0%}", "⚠ drift" if row.flagged else "")
                for row in result.fields[name]
            ],
        )
        lines.append("")
    if result.grade_now is not None and result.grade_before is not None:
        shifted = abs(result.grade_now - result.grade_before) > DRIFT_POINTS and result.enough
        lines += [
            f"Extraction quality: mean grade {result.grade_now:.2f} against "
            f"{result.grade_before:.2f} before.{' ⚠ drift' if shifted else ''}",
            "",
        ]
    return lines


CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 760, 18, 330


def bar_chart(title: str, items: list[tuple[str, int]]) -> dict:
    """A horizontal bar chart's geometry, drawn as inline SVG by the report template."""
    largest = max((count for _, count in items), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 40
    bars = [
        {
            "label": label,
            "count": count,
            "y": index * (BAR_HEIGHT + 4),
            "width": round(room * count / largest, 1),
        }
        for index, (label, count) in enumerate(items)
    ]
    return {
        "title": title,
        "bars": bars,
        "width": CHART_WIDTH,
        "height": len(bars) * (BAR_HEIGHT + 4),
        "bar_height": BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
    }


def report_html(current: dict, history: list[dict], store: dict) -> str:
    """The run and the store as one HTML page: tables and inline SVG charts, no scripts."""
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    charts = [bar_chart(group, counts) for group, counts in store["groups"].items()]
    if store["regions"]:
        charts.append(
            bar_chart("Regions", [(name or code, count) for code, name, count in store["regions"]])
        )
    charts.append(bar_chart("Languages", store["languages"]))
    return environment.get_template("report.html.j2").render(
        run=current,
        drift=drift(current, history),
        drift_fields=DRIFT_FIELDS,
        store=store,
        charts=charts,
        min_documents=MIN_DRIFT_DOCUMENTS,
        drift_points=DRIFT_POINTS,
    )
