"""OCR of a rendered page with the ``tesseract`` command line tool, as positioned words.

Tesseract's TSV output gives every word a box, so OCRed pages go through the same layout
analysis (columns, paragraphs, hyphenation) as text layers. When ``tesseract`` or its language
packs are missing, ``available()`` is False and such pages stay ``needs_ocr``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from PIL import Image

from cluster_nlp.ingest.layout import Word
from cluster_nlp.ingest.settings import OcrSettings, ocr_settings

ENGINE = "tesseract"
_LINE_LEVEL = "4"
_WORD_LEVEL = "5"


class OcrError(Exception):
    """Tesseract failed or ran out of time on one page."""


@cache
def _binary() -> str | None:
    return shutil.which("tesseract")


@cache
def languages() -> str | None:
    """The configured language packs that are installed, as Tesseract's ``-l`` argument."""
    binary = _binary()
    if binary is None:
        return None
    listed = subprocess.run(
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    installed = set(listed.stdout.split())
    wanted = [language for language in ocr_settings().languages if language in installed]
    return "+".join(wanted) if wanted else None


def available() -> bool:
    return languages() is not None


def recognise(image: Image.Image, scale: float, settings: OcrSettings | None = None) -> list[Word]:
    """Words on ``image`` (rendered at ``scale`` pixels per point), boxes in PDF points."""
    settings = settings or ocr_settings()
    binary, language = _binary(), languages()
    if binary is None or language is None:
        raise OcrError("tesseract with the rus or eng language pack is not installed")
    with tempfile.TemporaryDirectory(prefix="cluster-nlp-ocr-") as folder:
        picture = Path(folder) / "page.png"
        image.save(picture)
        command = [
            binary, str(picture), "stdout",
            "-l", language,
            "--psm", str(settings.page_segmentation_mode),
            "tsv",
        ]  # fmt: skip
        # One thread per Tesseract: the parse workers already use every core.
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=settings.timeout_s,
                env=environment,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise OcrError(f"tesseract took longer than {settings.timeout_s:g} s") from error
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise OcrError(f"tesseract failed (exit {result.returncode}): {last}")
    return parse_tsv(result.stdout, scale, settings.min_confidence)


def parse_tsv(tsv: str, scale: float, min_confidence: float) -> list[Word]:
    """Word rows of Tesseract's TSV output as ``Word`` boxes in points. Each word takes the
    height of its text line, as a text layer's loose boxes do: Tesseract's own word boxes hug
    the glyphs, so "в" and "Кластер" would look like different font sizes to the layout."""
    rows = list(csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    lines = {
        _line_key(row): (float(row["top"]), float(row["top"]) + float(row["height"]))
        for row in rows
        if row.get("level") == _LINE_LEVEL
    }
    words = []
    for row in rows:
        text = (row.get("text") or "").strip()
        if row.get("level") != _WORD_LEVEL or not text or float(row["conf"]) < min_confidence:
            continue
        left, width = float(row["left"]), float(row["width"])
        top, bottom = lines.get(
            _line_key(row), (float(row["top"]), float(row["top"]) + float(row["height"]))
        )
        words.append(Word(text, left / scale, top / scale, (left + width) / scale, bottom / scale))
    return words


def _line_key(row: dict[str, str]) -> tuple[str, str, str, str]:
    return row["page_num"], row["block_num"], row["par_num"], row["line_num"]
