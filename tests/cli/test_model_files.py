"""Hostile model folders end in one error line and a non-zero exit, never a traceback or a hang.

Each case breaks a registry that is otherwise valid (its metadata names the packaged taxonomy,
so the checks before the broken part pass); no trained model is needed, since every case is
refused before a model would be built.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.registry import CURRENT_FILE, METADATA_FILE, MODEL_FILE, sha256_bytes
from cluster_nlp.taxonomy import load_taxonomy

runner = CliRunner()
VERSION = "v1"
MODEL_BYTES = b"PK\x03\x04 not really a model"


def write_registry(models: Path) -> Path:
    folder = models / VERSION
    folder.mkdir(parents=True)
    (folder / MODEL_FILE).write_bytes(MODEL_BYTES)
    metadata = {
        "version": VERSION,
        "model_sha256": sha256_bytes(MODEL_BYTES),
        "taxonomy_version": load_taxonomy(None).version,
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata), "utf-8")
    (models / CURRENT_FILE).write_text(VERSION + "\n", "utf-8")
    return folder


def current_names_markup(models: Path, outside: Path) -> None:
    (models / CURRENT_FILE).write_text("[/x]\n", "utf-8")


def current_names_a_parent(models: Path, outside: Path) -> None:
    (models / CURRENT_FILE).write_text("../elsewhere\n", "utf-8")


def current_is_not_utf8(models: Path, outside: Path) -> None:
    (models / CURRENT_FILE).write_bytes(b"v\xff\xfe\n")


def metadata_without_hash(models: Path, outside: Path) -> None:
    path = models / VERSION / METADATA_FILE
    metadata = json.loads(path.read_text("utf-8"))
    del metadata["model_sha256"]
    path.write_text(json.dumps(metadata), "utf-8")


def metadata_a_list(models: Path, outside: Path) -> None:
    (models / VERSION / METADATA_FILE).write_text("[1, 2]", "utf-8")


def metadata_not_json(models: Path, outside: Path) -> None:
    (models / VERSION / METADATA_FILE).write_text("{model_sha256: ", "utf-8")


def metadata_is_a_fifo(models: Path, outside: Path) -> None:
    path = models / VERSION / METADATA_FILE
    path.unlink()
    os.mkfifo(path)  # reading it would wait for a writer for ever


def metadata_links_to_dev_zero(models: Path, outside: Path) -> None:
    path = models / VERSION / METADATA_FILE
    path.unlink()
    path.symlink_to("/dev/zero")


def model_links_to_dev_zero(models: Path, outside: Path) -> None:
    path = models / VERSION / MODEL_FILE
    path.unlink()
    path.symlink_to("/dev/zero")  # an endless read without a limit


def model_links_outside(models: Path, outside: Path) -> None:
    target = outside / MODEL_FILE
    target.write_bytes(MODEL_BYTES)  # the right bytes, in the wrong place
    path = models / VERSION / MODEL_FILE
    path.unlink()
    path.symlink_to(target)


def folder_links_outside(models: Path, outside: Path) -> None:
    target = outside / VERSION
    (models / VERSION).rename(target)
    (models / VERSION).symlink_to(target)


def model_over_the_limit(models: Path, outside: Path) -> None:
    data = b"\0" * (2 * 1024 * 1024)
    (models / VERSION / MODEL_FILE).write_bytes(data)
    path = models / VERSION / METADATA_FILE
    metadata = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**metadata, "model_sha256": sha256_bytes(data)}), "utf-8")


Breakage = Callable[[Path, Path], None]
# case -> (breakage, what the one line says, whether `models show v1` meets it too)
CASES: dict[str, tuple[Breakage, str, bool]] = {
    "current names markup": (current_names_markup, "invalid version", False),
    "current names a parent": (current_names_a_parent, "invalid version", False),
    "current not UTF-8": (current_is_not_utf8, "not UTF-8", False),
    "metadata without hash": (metadata_without_hash, "lacks a valid model_sha256", True),
    "metadata a list": (metadata_a_list, "expected a JSON object", True),
    "metadata not JSON": (metadata_not_json, "not UTF-8 JSON", True),
    "metadata a FIFO": (metadata_is_a_fifo, "not a regular file", True),
    "metadata links to /dev/zero": (metadata_links_to_dev_zero, "leads outside", True),
    "model links to /dev/zero": (model_links_to_dev_zero, "leads outside", False),
    "model links outside": (model_links_outside, "leads outside", False),
    "folder links outside": (folder_links_outside, "leads outside", True),
    "model over the size limit": (model_over_the_limit, "larger than", False),
}


@pytest.fixture
def registry(tmp_path: Path) -> tuple[Path, Path]:
    models, outside = tmp_path / "models", tmp_path / "outside"
    outside.mkdir()
    write_registry(models)
    return models, outside


def assert_one_line_failure(result, expected: str) -> None:
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and expected in lines[0], lines[0]
    assert "Traceback" not in result.output


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", list(CASES))
def test_predict_refuses_a_hostile_model_folder_in_one_line(
    case: str, registry: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    models, outside = registry
    breakage, expected, _ = CASES[case]
    breakage(models, outside)
    monkeypatch.setenv("CLUSTER_NLP_MODEL_FILE_MB", "1")
    note = tmp_path / "note.txt"
    note.write_text("Кластер искусственного интеллекта в Томске.\n", "utf-8")
    result = runner.invoke(app, ["predict", str(note), "--models", str(models)])
    assert_one_line_failure(result, expected)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", [name for name, (_, _, shown) in CASES.items() if shown])
def test_models_show_refuses_a_hostile_model_folder_in_one_line(
    case: str, registry: tuple[Path, Path]
):
    models, outside = registry
    breakage, expected, _ = CASES[case]
    breakage(models, outside)
    result = runner.invoke(app, ["models", "show", VERSION, "--models", str(models)])
    assert_one_line_failure(result, expected)


@pytest.mark.parametrize("name", ["[/x]", "../x", "v1/../../etc", ".hidden", "a" * 65])
def test_models_show_refuses_a_version_name_outside_the_pattern(
    name: str, registry: tuple[Path, Path]
):
    models, _ = registry
    result = runner.invoke(app, ["models", "show", name, "--models", str(models)])
    assert_one_line_failure(result, "invalid model version name")


def test_the_untouched_registry_shows_and_lists(registry: tuple[Path, Path]):
    """The cases above fail for their breakage: the same registry unbroken is read fine."""
    models, _ = registry
    shown = runner.invoke(app, ["models", "show", VERSION, "--models", str(models)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["metadata"]["version"] == VERSION
    listed = runner.invoke(app, ["models", "list", "--models", str(models)])
    assert listed.exit_code == 0 and VERSION in listed.stdout


def test_models_list_names_a_broken_version_with_its_reason(registry: tuple[Path, Path]):
    models, outside = registry
    metadata_without_hash(models, outside)
    result = runner.invoke(app, ["models", "list", "--models", str(models)])
    assert result.exit_code == 0, result.output
    assert "lacks a valid" in result.stdout
