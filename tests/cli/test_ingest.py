"""``ingest --include/--exclude`` globs and ``--dry-run``, which stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.ingest.pipeline import chosen

runner = CliRunner()
FILES = (
    "pdf/a.pdf",
    "pdf/sub/b.pdf",
    "src/notes.md",
    "src/deep/more.md",
    "readme.txt",
    "datasheet.md",
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"Текст файла {name} о кластере.\n", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "c.pdf").write_bytes(b"%PDF-")
    return root


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ((), (), set(FILES)),
        (("*.pdf",), (), {"pdf/a.pdf", "pdf/sub/b.pdf"}),
        (("pdf/*",), (), {"pdf/a.pdf", "pdf/sub/b.pdf"}),
        (("*.md", "*.txt"), (), {"src/notes.md", "src/deep/more.md", "readme.txt", "datasheet.md"}),
        ((), ("*.md",), {"pdf/a.pdf", "pdf/sub/b.pdf", "readme.txt"}),
        (("*.md",), ("src/*",), {"datasheet.md"}),
        (("*.docx",), (), set()),
    ],
)
def test_globs_choose_files(corpus: Path, include, exclude, expected: set[str]):
    assert {name for name in FILES if chosen(name, include, exclude)} == expected
    args = ["ingest", str(corpus), "--dry-run"]
    args += [item for pattern in include for item in ("--include", pattern)]
    args += [item for pattern in exclude for item in ("--exclude", pattern)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    listed = {
        Path(line).relative_to(corpus).as_posix()
        for line in result.stdout.splitlines()
        if line.startswith(str(corpus))
    }
    assert listed == expected
    assert f"{len(expected)} files would be ingested" in result.stdout


def test_dry_run_creates_no_store(corpus: Path, tmp_path: Path):
    store = tmp_path / "data" / "store.db"
    result = runner.invoke(app, ["ingest", str(corpus), "--dry-run", "--db", f"sqlite:///{store}"])
    assert result.exit_code == 0 and "nothing was stored" in result.stdout
    assert not store.exists() and not store.parent.exists()


def test_dry_run_of_a_missing_path_fails_in_one_line(tmp_path: Path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "nowhere"), "--dry-run"])
    assert result.exit_code == 2 and "no such file or folder" in result.output


def test_ingest_stores_only_the_included_files(corpus: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path}/store.db"
    result = runner.invoke(
        app, ["ingest", str(corpus), "--include", "*.md", "--exclude", "src/*", "--db", url]
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["list", "--db", url, "--json"])
    paths = [item["source_path"] for item in json.loads(listed.stdout)["items"]]
    assert [Path(path).name for path in paths] == ["datasheet.md"]


def test_the_readme_example_ingests_only_pdfs():
    readme = Path(__file__).parents[2] / "README.md"
    examples = [
        line
        for line in readme.read_text(encoding="utf-8").splitlines()
        if "cluster-nlp ingest corpus" in line
    ]
    assert examples, "the README shows how to ingest the corpus"
    for line in examples:
        command = line.split("#")[0]
        assert "corpus/pdf" in command or "--include '*.pdf'" in command, line
