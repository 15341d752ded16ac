"""The run summary and HTML report: drift with a minimum sample, the run apart from the store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cluster_nlp.report import (
    MIN_DRIFT_DOCUMENTS,
    drift,
    report_html,
    store_overview,
    summary_markdown,
)
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

TAXONOMY = load_taxonomy()


def statistics(documents: int, territorial: float, lang_ru: float = 1.0) -> dict:
    return {
        "documents": documents,
        "tagged": documents,
        "needs_review": 0,
        "languages": {"ru": lang_ru, "en": round(1 - lang_ru, 4)} if lang_ru < 1 else {"ru": 1.0},
        "statuses": {"ok": 1.0},
        "labels": {"territorial": territorial},
        "label_counts": {"territorial": round(documents * territorial)},
        "mean_page_grade": 0.9,
        "pages": documents,
    }


@pytest.mark.parametrize(
    ("now", "before", "flagged"),
    [
        # the case: one document against three, every label moved: nothing flagged
        (statistics(1, 1.0), [statistics(3, 0.0)], []),
        (statistics(MIN_DRIFT_DOCUMENTS - 1, 1.0), [statistics(100, 0.0)], []),
        (statistics(100, 1.0), [statistics(5, 0.0), statistics(5, 0.0)], []),
        (statistics(30, 0.9), [statistics(30, 0.1)], ["labels: territorial"]),
        (statistics(30, 0.5), [statistics(10, 0.5), statistics(15, 0.5)], []),
        (
            statistics(40, 0.5, lang_ru=0.5),
            [statistics(40, 0.5)],
            ["languages: en", "languages: ru"],
        ),
    ],
)
def test_drift_is_flagged_only_with_enough_documents(now, before, flagged):
    assert drift(now, before).flagged == flagged


def test_no_history_is_the_baseline():
    assert drift(statistics(5, 0.2), []) is None
    assert "baseline for drift" in summary_markdown(statistics(5, 0.2), [], overview([]))


def row(path: str, title: str | None, labels: dict, regions: list[str], review=((), ())) -> dict:
    return {
        "id": path,
        "path": path,
        "title": title,
        "status": "ok",
        "lang": "ru",
        "model_version": "v1",
        **{group: labels.get(group, []) for group in GROUPS},
        "uncertain_labels": list(review[0]),
        "close_labels": list(review[1]),
        "regions": regions,
    }


ROWS = [
    row("inbox/a.pdf", "Кластер", {"formation_type": ["territorial"]}, ["RU-TOM", "RU-NVS"]),
    row(
        "inbox/b.pdf",
        "<script>alert(1)</script>",
        {"formation_type": ["territorial"], "functions": ["startup_support"]},
        ["RU-TOM"],
        review=(["startup_support"], ["consortium"]),
    ),
    row("s3://bucket/c.pdf", None, {}, []),
]


def overview(rows: list[dict], out: Path = Path("outputs")) -> dict:
    return store_overview(rows, TAXONOMY, out)


def test_store_overview_counts_labels_regions_and_review():
    store = overview(ROWS)
    assert store["documents"] == 3 and store["tagged"] == 3
    formation = dict(store["groups"][TAXONOMY.group("formation_type").ru])
    assert formation[TAXONOMY.label("territorial").ru] == 2
    assert store["regions"][0] == ("RU-TOM", "Томская область", 2)
    (review,) = store["review"]
    assert review["uncertain"] == [TAXONOMY.label("startup_support").ru]
    assert review["close"] == [TAXONOMY.label("consortium").ru]


@pytest.mark.parametrize(
    ("path", "link"),
    [("inbox/b.pdf", "../inbox/b.pdf"), ("s3://bucket/b.pdf", None)],
)
def test_review_links_point_from_the_report_to_the_file(tmp_path: Path, path: str, link):
    rows = [row(path, "t", {}, [], review=(["territorial"], []))]
    (review,) = store_overview(rows, TAXONOMY, Path("outputs"))["review"]
    assert review["link"] == link


def test_summary_tells_the_run_from_the_store():
    current = {**statistics(2, 0.5), "files": 3, "outcomes": {"ingested": 2}, "failed": 1}
    text = summary_markdown(current, [statistics(3, 0.0)], overview(ROWS))
    run_part, store_part = text.split("## The whole store")
    assert "files in the inbox: 3 (ingested 2); failed: 1" in run_part
    assert "Too few documents to flag drift" in run_part and "⚠" not in text
    assert "documents: 3" in store_part and "Томская область" in store_part


def test_report_has_inline_charts_escapes_text_and_needs_no_network():
    html = report_html(statistics(2, 0.5), [statistics(3, 0.0)], overview(ROWS))
    assert html.count("<svg") >= 3 and "<rect" in html
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert 'href="../inbox/b.pdf"' in html and "Томская область" in html
    assert "This run" in html and "The whole store" in html
