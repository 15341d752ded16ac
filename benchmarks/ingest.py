"""Ingestion speed against plain pdfplumber and pypdfium2 loops, in one run.

    uv run python benchmarks/ingest.py [--pdfs ../shared/pdfs/real] [--write BENCHMARKS.md]

Figures are ratios to baselines measured in the same run (the machines are shared and
noisy), and the section of BENCHMARKS.md between the ``ingest`` markers is rewritten. The
memory of one extraction is ``extract_memory.py``'s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pdfplumber
import pypdfium2
from sections import machine, write_section
from sqlalchemy import func, select

from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.ingest.sandbox import ParseLimits
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import PageRow

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- ingest:start -->", "<!-- ingest:end -->"


def plain_pdfplumber(files: list[Path]) -> int:
    pages = 0
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return pages


def plain_pdfium(files: list[Path]) -> int:
    pages = 0
    for path in files:
        pdf = pypdfium2.PdfDocument(path)
        for page in pdf:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def ingest_run(files: list[Path], engine: str, workers: int, ocr: bool) -> tuple[float, float, int]:
    """Seconds for a first ingest, seconds for an unchanged re-ingest, pages stored."""
    with tempfile.TemporaryDirectory() as folder:
        sessions = open_store(f"sqlite:///{folder}/bench.db")
        limits = ParseLimits(timeout_s=600, memory_mb=4096, workers=workers, ocr=ocr)
        first, summary = timed(ingest, files, sessions, engine, limits)
        again, _ = timed(ingest, files, sessions, engine, limits)
        with sessions() as session:
            pages = session.scalar(select(func.count()).select_from(PageRow))
        assert summary.counts["failed"] == 0, summary.failed
        return first, again, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "pdfs" / "real")
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    files = sorted((args.pdfs / "ru").glob("*.pdf")) + sorted((args.pdfs / "en").glob("*.pdf"))
    if not files:
        sys.exit(f"no PDFs under {args.pdfs}/ru and {args.pdfs}/en")

    plumber_s, plumber_pages = timed(plain_pdfplumber, files)
    pdfium_s, pdfium_pages = timed(plain_pdfium, files)
    rows = [
        ("plain pdfplumber `page.extract_text()` loop (1 process)", plumber_pages, plumber_s, None),
        ("plain pypdfium2 `get_text_range()` loop (1 process)", pdfium_pages, pdfium_s, None),
    ]
    results = {}
    runs = (
        ("auto", 2, False),
        ("auto", 1, False),
        ("pdfium", 2, False),
        ("pdfplumber", 2, False),
        ("auto", 2, True),
    )
    for engine, workers, ocr in runs:
        first, again, pages = ingest_run(files, engine, workers, ocr)
        results[(engine, workers, ocr)] = (first, again, pages)
        flag = "" if ocr else " --no-ocr"
        label = f"`cluster-nlp ingest --engine {engine} --workers {workers}{flag}`"
        rows.append((label, pages, first, again))

    baseline = plumber_pages / plumber_s
    lines = [
        MARK_START,
        "## Ingestion (`benchmarks/ingest.py`)",
        "",
        f"Command: `uv run python benchmarks/ingest.py`; date {date.today().isoformat()}; "
        f"machine: {machine()}; files: {len(files)} real PDFs of `shared/pdfs/real/ru` and "
        f"`en` ({plumber_pages} pages).",
        "",
        "| what | pages | seconds | pages/s | × plain pdfplumber | unchanged re-ingest |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, pages, seconds, again in rows:
        rate = pages / seconds
        rerun = f"{again:.2f} s ({100 * again / seconds:.1f}% of first)" if again else ""
        lines.append(
            f"| {label} | {pages} | {seconds:.1f} | {rate:.1f} | {rate / baseline:.1f} | {rerun} |"
        )
    lines += [
        "",
        "The ingest rows include hashing, layout analysis (columns, paragraphs, dehyphenation, "
        "running headers), table finding, language detection and writing to SQLite; the plain "
        "loops only pull raw text. `--no-ocr` rows compare text-layer work with the loops; the "
        "last row is the default, where pages without a usable text layer (21 pages of "
        "TAMReview, the book's cover) go through Tesseract, which dominates its time.",
        MARK_END,
    ]
    section = "\n".join(lines)
    print(section)
    print(json.dumps({f"{e}/{w}/ocr={o}": v for (e, w, o), v in results.items()}))

    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
