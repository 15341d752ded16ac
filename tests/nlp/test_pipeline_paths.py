"""The entity extractor's version and default pipeline do not depend on the working directory.

A Dask worker or `serve` started in another folder must store entities under the same version
and find the same trained models (``config.PROJECT_ROOT`` anchors every relative path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cluster_nlp.config import PROJECT_ROOT, get_settings
from cluster_nlp.nlp.choices import PipelineChoiceError, hash_folder

VERSION_AND_PIPELINE = """
import json
from cluster_nlp.nlp.choices import extractor_version
from cluster_nlp.nlp.pipeline import pipeline
nlp = pipeline("en")
doc = nlp("The Tomsk cluster signed an agreement on July 21, 2021.")
print(json.dumps({"version": extractor_version(), "labels": sorted(e.label_ for e in doc.ents)}))
"""


def run_in(folder: Path) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTER_NLP_")}
    completed = subprocess.run(
        [sys.executable, "-c", VERSION_AND_PIPELINE],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_version_and_default_pipeline_are_the_same_from_any_working_directory(tmp_path: Path):
    outside, inside_src = run_in(tmp_path), run_in(PROJECT_ROOT / "src")
    assert outside == inside_src
    assert outside["version"].startswith("ner-") and "DATE" in outside["labels"]


@pytest.mark.parametrize("name", ["corpus_dir", "models_dir", "staging_dir"])
def test_default_folders_lie_in_the_checkout_whatever_the_working_directory(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(f"CLUSTER_NLP_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    assert getattr(get_settings(), name).is_relative_to(PROJECT_ROOT)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sqlite:///data/store.db", "sqlite:///{home}/data/store.db"),
        ("sqlite:///rel.db?timeout=5", "sqlite:///{home}/rel.db?timeout=5"),
        ("sqlite:////abs/store.db", "sqlite:////abs/store.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_a_relative_sqlite_file_is_taken_from_home_not_the_working_directory(
    value: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    home = tmp_path / "home"
    monkeypatch.setenv("CLUSTER_NLP_HOME", str(home))
    monkeypatch.setenv("CLUSTER_NLP_DB", value)
    monkeypatch.setenv("CLUSTER_NLP_MODELS_DIR", "models")
    monkeypatch.chdir(tmp_path)
    settings = get_settings()
    assert settings.db == expected.format(home=home)
    assert settings.models_dir == home / "models"


def test_tree_hash_names_files_relative_to_their_folder(tmp_path: Path):
    """The same files in two places hash alike; a missing folder is an error, not a new hash."""
    import hashlib

    digests = []
    for place in ("a/deep/er", "b"):
        folder = tmp_path / place
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "x.txt").write_text("x")
        (folder / "y.txt").write_text("y")
        digest = hashlib.sha256()
        hash_folder(digest, "model-en", folder)
        digests.append(digest.hexdigest())
    assert digests[0] == digests[1]
    with pytest.raises(PipelineChoiceError, match="no folder"):
        hash_folder(hashlib.sha256(), "model-en", tmp_path / "missing")
