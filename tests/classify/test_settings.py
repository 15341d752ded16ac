"""The tagging settings file: validated at load, one-line errors, a recorded sha256."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cluster_nlp.classify.encoders import ENCODERS
from cluster_nlp.classify.settings import (
    DEFAULT_SETTINGS_PATH,
    DEFAULT_TRAINING_PATH,
    MODEL_KINDS,
    ClassifySettingsError,
    load_classify_settings,
    load_training_settings,
)


def test_the_packaged_settings_load_with_their_hash():
    settings = load_classify_settings()
    assert settings.version >= 1 and len(settings.sha256) == 64
    assert "seed-ai-clusters-paper" in settings.training.exclude_documents


def _written(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text("utf-8"))
    change(raw)
    path = tmp_path / "classify.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["relevance"].update(min_score=2), "relevance.min_score"),
        (lambda raw: raw["content"].update(reference_patterns=["(unclosed"]), "reference"),
        (lambda raw: raw["views"].update(excerpt_max_chars=10), "excerpt_max_chars"),
        (lambda raw: raw.update(surprise=1), "surprise"),
        (lambda raw: raw["cue_floor"].update(functions={"min_matches": 1}), "veto_below"),
        (
            lambda raw: raw["cue_floor"].update(functions={"min_matches": 0, "veto_below": 0.1}),
            "min_matches",
        ),
        (lambda raw: raw["cue_floor"].pop("functions"), "cue_floor needs exactly the groups"),
    ],
)
def test_a_broken_settings_file_is_one_line_error(tmp_path, change, message):
    with pytest.raises(ClassifySettingsError, match=message) as caught:
        load_classify_settings(_written(tmp_path, change))
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ClassifySettingsError, match="cannot read"):
        load_classify_settings(tmp_path / "absent.yaml")


def test_the_packaged_training_settings_load_with_their_hash():
    training = load_training_settings()
    assert training.version >= 1 and len(training.sha256) == 64
    assert training.model in MODEL_KINDS and training.passages.encoder in ENCODERS


def _training_written(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT_TRAINING_PATH.read_text("utf-8"))
    change(raw)
    path = tmp_path / "training.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw.update(model="forest"), "model must be one of"),
        (lambda raw: raw.update(choose_on=["documents", "tweets"]), "unknown view 'tweets'"),
        (lambda raw: raw["passages"].update(Cs=[1.0, 0.0]), "every C must be positive"),
        (lambda raw: raw["passages"].update(min_overlap_share=0), "min_overlap_share"),
        (lambda raw: raw["passages"].pop("encoder"), "encoder"),
        (lambda raw: raw["passages"].update(folds_by="writer"), "folds_by"),
        (lambda raw: raw.update(document={"view": "document", "depth": 3}), "'depth'"),
        (lambda raw: raw.update(surprise=1), "surprise"),
    ],
)
def test_a_broken_training_file_is_one_line_naming_the_fault(tmp_path, change, message):
    with pytest.raises(ClassifySettingsError, match=message) as caught:
        load_training_settings(_training_written(tmp_path, change))
    assert "\n" not in str(caught.value)


def test_the_training_hash_follows_the_file(tmp_path):
    first = load_training_settings(_training_written(tmp_path, lambda raw: None))
    second = load_training_settings(
        _training_written(tmp_path, lambda raw: raw["passages"].update(top_k=3))
    )
    assert first.sha256 != second.sha256 and second.passages.top_k == 3
