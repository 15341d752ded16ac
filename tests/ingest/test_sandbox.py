"""A hang, a crash or a memory blow-up in a parser costs one file, never the run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from cluster_nlp.ingest.sandbox import ParseFailure, ParseLimits, parse_files
from cluster_nlp.records import ExtractedDocument
from cluster_nlp.statuses import DocumentStatus, ErrorClass


def ok_document(path: Path, engine: str, ocr: bool = True) -> ExtractedDocument:
    return ExtractedDocument(path=str(path), sha256="0" * 64, status=DocumentStatus.OK)


def behave_as_named(path: Path, engine: str, ocr: bool) -> ExtractedDocument | ParseFailure:
    """Each fixture file's name says how its parse goes wrong."""
    match path.stem:
        case "hangs":
            time.sleep(60)
        case "crashes":
            os.kill(os.getpid(), signal.SIGKILL)
        case "exits":
            os._exit(3)
        case "nests":
            raise RecursionError("maximum recursion depth exceeded")
        case "eats_memory":
            hog = bytearray(4 * 1024**3)
            return f"allocated {len(hog)}"
        case "raises":
            raise ValueError("unexpected\nparser state")
        case "rejects":
            return ParseFailure("encrypted: needs a password", ErrorClass.ENCRYPTED)
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
    ("stem", "error", "error_class"),
    [
        ("hangs", "timed out: parsing took longer than 3 s", ErrorClass.TIMEOUT),
        ("crashes", "parser crashed (exit code -9)", ErrorClass.RESOURCE_LIMIT),
        ("exits", "parser crashed (exit code 3)", ErrorClass.CORRUPT),
        ("eats_memory", "out of memory", ErrorClass.RESOURCE_LIMIT),
        ("nests", "nests too deeply", ErrorClass.RESOURCE_LIMIT),
        ("raises", "ValueError: unexpected parser state", ErrorClass.CORRUPT),
        ("rejects", "encrypted: needs a password", ErrorClass.ENCRYPTED),
    ],
)
def test_bad_file_gets_one_line_error_its_class_and_the_rest_go_on(files, stem, error, error_class):
    paths = files(stem, "good_one", "good_two")
    results = {
        result.path.stem: result for result in parse_files(paths, "auto", LIMITS, behave_as_named)
    }
    assert set(results) == {stem, "good_one", "good_two"}
    assert results[stem].document is None
    assert error in results[stem].error
    assert results[stem].error_class is error_class
    assert "\n" not in results[stem].error
    assert results["good_one"].document.status is DocumentStatus.OK
    assert results["good_two"].error is None and results["good_two"].error_class is None


def test_file_over_the_size_limit_is_refused_before_any_worker_reads_it(files):
    big, small = files("raises", "good_one")
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    limits = ParseLimits(timeout_s=3, memory_mb=512, workers=1, max_file_mb=1)
    results = {
        result.path.stem: result
        for result in parse_files([big, small], "auto", limits, behave_as_named)
    }
    # "raises" would raise in a worker: it is refused on its size alone.
    assert results["raises"].error_class is ErrorClass.TOO_LARGE
    assert results["raises"].error == "file too large: 1 MB, the limit is 1 MB"
    assert results["good_one"].document is not None


def test_no_files_no_pool():
    assert list(parse_files([], "auto", LIMITS)) == []
