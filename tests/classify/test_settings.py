"""The tagging settings file: validated at load, one-line errors, a recorded sha256."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cluster_nlp.classify.settings import (
    DEFAULT_SETTINGS_PATH,
    ClassifySettingsError,
    load_classify_settings,
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
        (lambda raw: raw["cue_floor"]["functions"].pop("veto_below"), "veto_below"),
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
