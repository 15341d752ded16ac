"""``predict`` (readable by default, ``--json`` for machines, folders accepted) and ``tag``,
which also extracts the entities ``ingest`` leaves to it. The keyword baseline needs no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli import app, output
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

runner = CliRunner()
TOMSK = (
    "Томский инновационный территориальный кластер искусственного интеллекта поддерживает "
    "стартапы и проводит "
    "акселерационные программы. Участники кластера в Томске создали консорциум для "
    "трансфера технологий и подготовки кадров."
)
NETWORK = "The AI association runs an accelerator for startups and training for developers."


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    (root / "ru").mkdir(parents=True)
    (root / "ru" / "tomsk.txt").write_text(TOMSK, encoding="utf-8")
    (root / "network.md").write_text(NETWORK, encoding="utf-8")
    (root / "skip.docx").write_bytes(b"not read")
    return root


def predict(*args: str):
    return runner.invoke(app, ["predict", "--model", "keyword", *map(str, args)])


def test_json_keeps_its_shape_per_file_of_a_folder(inbox: Path):
    result = predict(inbox, "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(Path(line["path"]).name for line in lines) == ["network.md", "tomsk.txt"]
    for line in lines:
        for group in GROUPS:
            assert set(line[group]) >= {"labels", "scores"}
        assert isinstance(line["evidence"], dict) and line["model_version"] == "keyword"
    tomsk = next(line for line in lines if line["path"].endswith("tomsk.txt"))
    assert "territorial" in tomsk["formation_type"]["labels"]
    assert all(item["page"] for items in tomsk["evidence"].values() for item in items)


def test_readable_by_default_with_names_scores_and_evidence(inbox: Path):
    result = predict(inbox / "ru" / "tomsk.txt")
    assert result.exit_code == 0, result.output
    assert not result.stdout.lstrip().startswith("{")
    name = load_taxonomy().label("territorial").ru
    assert name in " ".join(result.stdout.split())
    for expected in ("tomsk.txt", "threshold", "territorial p.1"):
        assert expected in result.stdout


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("nowhere", "no such file or folder"),
        ("empty", "no .pdf, .txt or .md file in"),
    ],
)
def test_missing_paths_and_empty_folders_fail_in_one_line(tmp_path: Path, given, message):
    (tmp_path / "empty").mkdir()
    result = predict(tmp_path / given)
    assert result.exit_code == 2 and message in result.output


def test_the_progress_bar_goes_to_stderr():
    assert output.progress_bar("predict").console.stderr


@pytest.mark.parametrize(("switch", "extracted"), [((), True), (("--no-entities",), False)])
def test_tag_extracts_the_entities_ingest_left(inbox: Path, tmp_path: Path, switch, extracted):
    url = f"sqlite:///{tmp_path}/store.db"
    ingested = runner.invoke(app, ["ingest", str(inbox / "ru"), "--db", url])
    assert ingested.exit_code == 0, ingested.output
    tagged = runner.invoke(app, ["tag", "--model", "keyword", "--db", url, *switch])
    assert tagged.exit_code == 0, tagged.output
    exported = runner.invoke(app, ["export", "--db", url, "--model", "keyword", "--names", "id"])
    (row,) = map(json.loads, exported.stdout.splitlines())
    assert row["formation_type"] == ["territorial"]
    assert (row["regions"] == ["RU-TOM"]) is extracted
    assert bool(row["top_entities"]) is extracted
    again = runner.invoke(app, ["tag", "--model", "keyword", "--db", url])
    assert "tagged 0," in again.stdout  # each document once per model version
    assert f"extracted for {0 if extracted else 1} documents" in again.stdout
