"""``cluster-nlp run`` and ``serve``: one tagging run from the command line, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app, run_command

OUTPUT_FILES = ("tags.jsonl", "tags.csv", "entities.csv", "summary.md", "report.html")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_run_tags_the_inbox_and_says_where_the_outputs_are(
    inbox_maker, models_dir: Path, taxonomy_path: Path, tmp_path: Path, capsys
):
    """Called as a function: Prefect's log handlers must not bind to a CliRunner's streams."""
    inbox = inbox_maker(tmp_path / "inbox", bad=False)
    out = tmp_path / "outputs"
    options = {
        "db": f"sqlite:///{tmp_path}/store.db",
        "out": out,
        "models": models_dir,
        "model": None,
        "taxonomy": taxonomy_path,
        "chunk_size": None,
        "dask": None,
    }
    run_command(str(inbox), **options)
    printed = capsys.readouterr().out
    assert "6 files (6 new, 0 known, 0 failed, 0 need OCR); tagged 6" in printed
    for name in OUTPUT_FILES:
        assert (out / name).is_file() and str(out / name) in printed

    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n")
    with pytest.raises(typer.Exit) as stopped:
        run_command(str(inbox), **options)
    assert stopped.value.exit_code == 1  # a failed file shows in the exit code, not raised
    assert "7 files (0 new, 6 known, 1 failed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["run", "no/such/folder", "--db", "{db}"], 2, "no such inbox"),
        (["run", "{inbox}", "--dask", "local:none", "--db", "{db}"], 2, "use local:N"),
        (["serve", "--interval", "60", "--cron", "* * * * *"], 2, "not both"),
        (["serve", "--inbox", "no/such/folder", "--db", "{db}"], 2, "no such inbox folder"),
        (["serve", "--inbox", "{file}", "--db", "{db}"], 2, "no such inbox folder"),
        (["serve", "--inbox", "memory://nothing/here", "--db", "{db}"], 2, "no such inbox"),
        (["serve", "--inbox", "{inbox}", "--db", "{file}/store.db"], 2, "cannot open store"),
    ],
)
def test_refusals_are_one_line_with_a_nonzero_exit(
    args: list[str], code: int, message: str, tmp_path: Path
):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("not a folder")
    places = {
        "inbox": tmp_path / "inbox",
        "empty": tmp_path / "empty",
        "file": tmp_path / "file.txt",
    }
    result = invoke(*(arg.format(db=f"sqlite:///{tmp_path}/s.db", **places) for arg in args))
    assert result.exit_code == code
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_run_without_a_promoted_model_fails_in_one_line(tmp_path: Path, capsys):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "models").mkdir()
    with pytest.raises(typer.Exit) as stopped:
        run_command(
            str(tmp_path / "inbox"),
            db=f"sqlite:///{tmp_path}/store.db",
            out=tmp_path / "out",
            models=tmp_path / "models",
            model=None,
            taxonomy=None,
            chunk_size=None,
            dask=None,
        )
    assert stopped.value.exit_code == 1
    assert "no model promoted" in capsys.readouterr().err


def test_serve_checks_then_says_its_temporary_server_is_unreachable_from_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    served = []
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr("flows.serve.serve_deployments", lambda **options: served.append(options))
    (tmp_path / "inbox").mkdir()
    store = tmp_path / "store.db"
    result = invoke("serve", "--inbox", str(tmp_path / "inbox"), "--db", str(store))
    assert result.exit_code == 0, result.output
    assert "temporary Prefect server" in result.output and "PREFECT_API_URL" in result.output
    assert store.is_file()  # the store is created and migrated before anything is served
    assert served == [
        {
            "inbox": str(tmp_path / "inbox"),
            "interval": None,
            "cron": None,
            "db": f"sqlite:///{store}",
        }
    ]


@pytest.mark.parametrize(
    ("already", "expected"),
    [
        (None, "__all__"),  # no command uses a pydantic plugin: their search is skipped
        ("logfire", "logfire"),  # a user's own choice stands
    ],
)
def test_the_console_script_skips_pydantic_plugin_search_unless_told_otherwise(
    monkeypatch, already: str | None, expected: str
):
    import os

    from flows.cli import main

    if already is None:
        monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", already)
    monkeypatch.setattr("sys.argv", ["cluster-nlp", "--version"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code in (0, None)
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == expected
