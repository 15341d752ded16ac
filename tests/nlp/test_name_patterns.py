"""The English name-shape word lists are data, validated when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cluster_nlp.nlp.name_patterns import NAMES_PATH, NameShapeError, name_patterns


def test_packaged_word_lists_build_law_and_org_patterns():
    patterns = name_patterns()
    assert {pattern["label"] for pattern in patterns} == {"LAW", "ORG"}
    assert all(pattern["pattern"] for pattern in patterns)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda data: data.pop("law_heads"), "law_heads: Field required"),
        (lambda data: data.update(org_heads=[]), "org_heads: List should have at least 1"),
        (lambda data: data["sentence_openers"].append(True), "valid string"),  # YAML's bare On
        (lambda data: data.update(surnames=["Smith"]), "surnames: Extra inputs"),
    ],
    ids=["missing", "empty", "yaml-boolean", "unknown-key"],
)
def test_broken_word_lists_are_one_line_errors(tmp_path: Path, break_it, message: str):
    data = yaml.safe_load(NAMES_PATH.read_text("utf-8"))
    break_it(data)
    path = tmp_path / "names-en.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(NameShapeError, match="names-en.yaml") as raised:
        name_patterns(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)
