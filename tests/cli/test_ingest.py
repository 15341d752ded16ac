"""``ingest --include/--exclude`` globs and ``--dry-run``, which stores nothing; a re-ingest
decides what is new before it loads anything that parses."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import good_pdf
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.ingest.files import chosen
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import load_document, run_record

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


# A fresh interpreter, as the console script runs: one command, then its exit code and the
# modules it imported (its parser processes import their own).
COMMAND_THEN_MODULES = """
import json, sys
from flows.cli import app
code = 0
try:
    app(sys.argv[1:], prog_name="cluster-nlp")
except SystemExit as stopped:
    code = stopped.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""
# What parsing and migrating need; a command that parses nothing and finds its store at the
# newest schema must not load them (each costs a fraction of a second at every start).
PARSING_AND_MIGRATING = ("alembic", "pdfplumber", "pdfminer", "pypdfium2", "py3langid", "numpy")
# A re-ingest that finds everything stored reads SQLite directly: not even the ORM is loaded,
# nor the records' pydantic models.
NOTHING_NEW_NEEDS_NONE_OF = (*PARSING_AND_MIGRATING, "sqlalchemy", "cluster_nlp.records")


def _ingest_in_fresh_process(folder: Path, url: str) -> tuple[dict, set[str]]:
    """The counts of one ``cluster-nlp ingest`` run, and the modules its process loaded (each
    also under its top-level package's name)."""
    done = subprocess.run(
        [sys.executable, "-c", COMMAND_THEN_MODULES, "ingest", str(folder), "--db", url],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stderr.splitlines()[-1])
    assert report["code"] == 0, done.stdout + done.stderr
    run_id = done.stdout.split()[-1]  # the summary ends with "run <id>"
    counts = run_record(open_store(url), run_id)["counts"]
    return counts, {*report["modules"], *(name.split(".")[0] for name in report["modules"])}


@pytest.mark.parametrize(
    ("changed", "new_bytes"),
    [
        ("report.pdf", lambda font: good_pdf(font, "Технопарк Академгородка открыл новый корпус")),
        ("notes.md", lambda font: "Технопарк Академгородка открыл новый корпус.\n".encode()),
    ],
)
def test_reingest_parses_only_changed_files_and_loads_no_parser_for_unchanged_ones(
    tmp_path: Path, dejavu_font: Path, changed: str, new_bytes
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "report.pdf").write_bytes(good_pdf(dejavu_font, "Кластер искусственного интеллекта"))
    (inbox / "notes.md").write_text("Заметки о кластере в Томске.\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/store.db"
    first = runner.invoke(app, ["ingest", str(inbox), "--db", url, "--workers", "1"])
    assert first.exit_code == 0, first.output

    counts, loaded = _ingest_in_fresh_process(inbox, url)
    assert (counts["ingested"], counts["known"], counts["failed"]) == (0, 2, 0)
    assert not loaded & set(NOTHING_NEW_NEEDS_NONE_OF), sorted(
        loaded & set(NOTHING_NEW_NEEDS_NONE_OF)
    )

    (inbox / changed).write_bytes(new_bytes(dejavu_font))
    counts, loaded = _ingest_in_fresh_process(inbox, url)
    assert (counts["ingested"], counts["known"], counts["failed"]) == (1, 1, 0)
    digest = hashlib.sha256((inbox / changed).read_bytes()).hexdigest()
    assert "Технопарк Академгородка" in load_document(open_store(url), digest).text
    # The new file was parsed in a worker: the command's own process still holds no engine.
    assert not loaded & set(PARSING_AND_MIGRATING), sorted(loaded & set(PARSING_AND_MIGRATING))
