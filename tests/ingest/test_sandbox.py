"""A hang, a crash or a memory blow-up in a parser costs one file, never the run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from cluster_nlp.ingest.sandbox import ParseLimits, parse_files
from cluster_nlp.records import DocumentStatus, ExtractedDocument


def ok_document(path: Path, engine: str, ocr: bool = True) -> ExtractedDocument:
    return ExtractedDocument(path=str(path), sha256="0" * 64, status=DocumentStatus.OK)


def behave_as_named(path: Path, engine: str, ocr: bool) -> ExtractedDocument | str:
    """Each fixture file's name says how its parse goes wrong."""
    match path.stem:
        case "hangs":
            time.sleep(60)
        case "crashes":
            os.kill(os.getpid(), signal.SIGKILL)
        case "eats_memory":
            hog = bytearray(4 * 1024**3)
            return f"allocated {len(hog)}"
        case "raises":
            raise ValueError("unexpected\nparser state")
        case "rejects":
            return "encrypted: needs a password"
    return ok_document(path, engine, ocr)


@pytest.fixture
def files(tmp_path: Path):
    def make(*stems: str) -> list[Path]:
        paths = []
        for stem in stems:
            path = tmp_path / f"{stem}.pdf"
            path.write_bytes(b"%PDF-1.4")
            paths.append(path)
        return paths

    return make


LIMITS = ParseLimits(timeout_s=3, memory_mb=512, workers=2)


@pytest.mark.parametrize(
    ("stem", "error"),
    [
        ("hangs", "timed out: parsing took longer than 3 s"),
        ("crashes", "parser crashed"),
        ("eats_memory", "MemoryError"),
        ("raises", "ValueError: unexpected parser state"),
        ("rejects", "encrypted: needs a password"),
    ],
)
def test_bad_file_gets_one_line_error_and_the_rest_go_on(files, stem, error):
    paths = files(stem, "good_one", "good_two")
    results = {
        result.path.stem: result for result in parse_files(paths, "auto", LIMITS, behave_as_named)
    }
    assert set(results) == {stem, "good_one", "good_two"}
    assert results[stem].document is None
    assert error in results[stem].error
    assert "\n" not in results[stem].error
    assert results["good_one"].document.status is DocumentStatus.OK
    assert results["good_two"].error is None


def test_no_files_no_pool():
    assert list(parse_files([], "auto", LIMITS)) == []
