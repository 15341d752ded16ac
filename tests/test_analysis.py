"""The run's model is checked where the run starts, and loaded only in the analysis child,
whose errors reach the caller as they were raised.

The registries here hold bytes that are no model: whatever passes is passed without loading
(no trained model is needed); that the child extracts and tags for real is
``tests/flows/test_tag_documents.py``'s to show, with trained models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from cluster_nlp.analysis import AnalysisProcess, AnalysisProcessDied, ModelIdentity, model_identity
from cluster_nlp.registry import (
    CURRENT_FILE,
    METADATA_FILE,
    MODEL_FILE,
    ModelFileError,
    TaxonomyMismatchError,
    sha256_bytes,
)
from cluster_nlp.taxonomy import load_taxonomy

VERSION = "v1"
NOT_A_MODEL = b"PK\x03\x04 bytes no loader would accept"


def write_registry(models: Path, taxonomy_version: str | None = None) -> Path:
    folder = models / VERSION
    folder.mkdir(parents=True)
    (folder / MODEL_FILE).write_bytes(NOT_A_MODEL)
    metadata = {
        "version": VERSION,
        "model_sha256": sha256_bytes(NOT_A_MODEL),
        "taxonomy_version": taxonomy_version or load_taxonomy(None).version,
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata), "utf-8")
    (models / CURRENT_FILE).write_text(VERSION + "\n", "utf-8")
    return models


def nothing_promoted(models: Path) -> None:
    (models / CURRENT_FILE).unlink()


def model_bytes_changed(models: Path) -> None:
    (models / VERSION / MODEL_FILE).write_bytes(NOT_A_MODEL + b" and more")


def another_taxonomy(models: Path) -> None:
    path = models / VERSION / METADATA_FILE
    metadata = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**metadata, "taxonomy_version": "0" * 64}), "utf-8")


# case -> (what breaks the registry, the version asked for, the error, what its line says)
CASES: dict[str, tuple[Callable[[Path], None], str | None, type[Exception], str]] = {
    "nothing promoted": (nothing_promoted, None, ModelFileError, "no model promoted"),
    "unknown version": (lambda _: None, "v9", ModelFileError, "'v9' not found"),
    "tampered model file": (model_bytes_changed, None, ModelFileError, "recorded hash"),
    "another taxonomy": (another_taxonomy, None, TaxonomyMismatchError, "trained with taxonomy"),
}


def test_the_runs_model_is_named_without_being_loaded(tmp_path: Path):
    models = write_registry(tmp_path / "models")
    expected = ModelIdentity(VERSION, load_taxonomy(None).version)
    assert model_identity(str(models), None, None) == expected
    assert model_identity(str(models), VERSION, None) == expected


@pytest.mark.parametrize("case", list(CASES))
def test_a_model_that_cannot_serve_is_refused_before_any_work(tmp_path: Path, case: str):
    breakage, version, error, message = CASES[case]
    models = write_registry(tmp_path / "models")
    breakage(models)
    with pytest.raises(error, match=message):
        model_identity(str(models), version, None)


@pytest.fixture
def no_model(tmp_path: Path) -> str:
    """A models folder with nothing promoted: every load fails in the child, quickly."""
    models = tmp_path / "models"
    models.mkdir()
    return str(models)


def _children() -> dict[int, psutil.Process]:
    return {child.pid: child for child in psutil.Process().children(recursive=True)}


def _started_since(before: set[int]) -> list[psutil.Process]:
    return [child for pid, child in _children().items() if pid not in before]


@pytest.mark.timeout(300)
def test_an_error_in_the_child_reaches_the_caller_as_raised_and_close_ends_the_child(
    no_model: str,
):
    analysis = AnalysisProcess()
    before = set(_children())
    try:
        for _ in range(2):  # the child survives its error and serves the next call
            with pytest.raises(ModelFileError, match="no model promoted"):
                analysis.load_model(no_model, None, None)
        started = _started_since(before)
        assert len(started) == 1, "the model was loaded in one child process"
    finally:
        analysis.close()
    _, alive = psutil.wait_procs(started, timeout=30)
    assert not alive


@pytest.mark.timeout(300)
def test_a_child_killed_mid_run_fails_that_call_alone_and_the_next_starts_another(
    no_model: str,
):
    analysis = AnalysisProcess()
    before = set(_children())
    try:
        with pytest.raises(ModelFileError):
            analysis.load_model(no_model, None, None)
        (first,) = _started_since(before)
        first.kill()  # as the out-of-memory killer would
        first.wait(30)
        with pytest.raises(AnalysisProcessDied, match="ended during load_model"):
            analysis.load_model(no_model, None, None)
        with pytest.raises(ModelFileError):  # a fresh child answers
            analysis.load_model(no_model, None, None)
        (second,) = _started_since(before)
        assert second.pid != first.pid
    finally:
        analysis.close()
