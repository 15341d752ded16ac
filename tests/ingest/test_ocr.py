"""OCR of pages without a text layer: Tesseract's TSV as positioned words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cluster_nlp.ingest import extract, ocr
from cluster_nlp.statuses import DocumentStatus, PageStatus

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or not ocr.available(),
    reason="tesseract with the rus or eng language pack is not installed",
)

TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
    "4\t1\t1\t1\t1\t0\t300\t390\t520\t80\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t300\t400\t250\t60\t96.5\tКластер\n"
    "5\t1\t1\t1\t1\t2\t580\t410\t120\t40\t91.0\tИИ\n"
    "5\t1\t1\t1\t1\t3\t720\t400\t40\t60\t12.0\t~\n"
    "5\t1\t1\t1\t1\t4\t780\t400\t40\t60\t95.0\t \n"
)


def test_parse_tsv_keeps_confident_words_in_points_with_their_line_height():
    words = ocr.parse_tsv(TSV, scale=300 / 72, min_confidence=30)
    assert [word.text for word in words] == ["Кластер", "ИИ"]
    first, second = words
    assert (first.x0, first.top, first.x1, first.bottom) == pytest.approx(
        (72.0, 93.6, 132.0, 112.8)
    )
    assert (second.top, second.bottom) == (first.top, first.bottom)


def test_without_ocr_a_scan_needs_ocr(scanned_pdf: Path):
    document = extract(scanned_pdf, ocr=False)
    assert document.status is DocumentStatus.NEEDS_OCR
    (page,) = document.pages
    assert page.status is PageStatus.NEEDS_OCR
    assert "ocr_disabled" in page.quality.issues
    assert document.text == ""


def test_missing_tesseract_leaves_pages_needing_ocr(scanned_pdf: Path, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    document = extract(scanned_pdf, ocr=True)
    assert document.status is DocumentStatus.NEEDS_OCR
    assert "ocr_unavailable" in document.pages[0].quality.issues


@needs_tesseract
@pytest.mark.parametrize("engine", ["auto", "pdfium", "pdfplumber"])
def test_scan_is_read_by_tesseract(scanned_pdf: Path, engine):
    document = extract(scanned_pdf, engine=engine, ocr=True)
    assert document.status is DocumentStatus.OK
    (page,) = document.pages
    assert page.status is PageStatus.OCR and page.engine == "tesseract"
    assert "кластер искусственного интеллекта в новосибирске" in document.text.lower()
    assert document.lang == "ru"
    assert document.passages[0].bbox is not None
