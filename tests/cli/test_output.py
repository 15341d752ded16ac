"""User data reaches the terminal as it is: never read as rich markup, by any command.

File names, paths, options and error messages with square brackets (``report [draft].pdf``,
pdfminer's ``[/'Resources']``) used to be eaten or to crash a command with ``MarkupError``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from cluster_nlp.cli import output
from cluster_nlp.store.db import open_store
from flows.cli import app

# Each is markup, an emoji code or an escape to rich when printed as a str.
HOSTILE = [
    "report [draft].pdf",
    "malformed PDF: [/'Resources'] is not a dictionary",
    "[/]",
    "[bold]not bold[/bold]",
    "[link=https://example.org]x[/link]",
    "a \\[ b \\",
    ":thumbs_up: :)",
    "[red",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_say_prints_user_data_as_it_is(text: str, capsys):
    output.say("file ", (text, "bold"), ": ", text)
    assert capsys.readouterr().out == f"file {text}: {text}\n"


@pytest.mark.parametrize("text", HOSTILE)
def test_fail_prints_one_line_on_stderr_and_exits(text: str, capsys):
    long_message = f"{text} " * 30  # longer than any terminal: still one line
    with pytest.raises(typer.Exit) as stopped:
        output.fail(long_message, code=2)
    assert stopped.value.exit_code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {long_message}\n"


@pytest.mark.parametrize("text", HOSTILE)
def test_table_title_and_cells_are_plain(text: str):
    table = output.DataTable(f"title {text}")
    table.add_column("name")
    table.add_row(text)
    screen = io.StringIO()
    Console(file=screen, width=200).print(table)
    assert " ".join(f"title {text}".split()) in " ".join(screen.getvalue().split())  # (wrapped)
    assert text in screen.getvalue()


@pytest.mark.parametrize("text", HOSTILE)
def test_progress_description_is_plain(text: str):
    progress = output.progress_bar("ingest")
    progress.add_task(text, total=3)
    screen = io.StringIO()
    Console(file=screen, width=200).print(progress.get_renderable())
    assert "ingest" in screen.getvalue() and text in screen.getvalue()


# --- every command, with brackets in its paths and options ------------------------------------

runner = CliRunner()
BRACKETS = "[/'Resources']"  # a folder "[" holding a folder "'Resources']"


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / BRACKETS
    folder.mkdir(parents=True)
    pdf = folder / "report [draft].pdf"
    pdf.write_bytes(b"%PDF-1.4 cut short")
    open_store(f"sqlite:///{folder / 'store.db'}")  # export reads a store that exists
    return {
        "dir": str(folder),
        "pdf": str(pdf),
        "missing": str(folder / "no [such] file.pdf"),
        "labels": str(folder / "labels.jsonl"),
        "db": f"sqlite:///{folder / 'store.db'}",
        "out": str(folder / "out [1].jsonl"),
    }


# (arguments, exit code, where the user data shows, what shows intact)
COMMANDS = [
    (["extract", "{pdf}"], 1, "stderr", "{pdf}: malformed PDF"),
    (["extract", "{missing}"], 2, "stderr", "no such file: {missing}"),
    (["ingest", "{dir}", "--db", "{db}", "--workers", "1"], 1, "stdout", "failed {pdf}: "),
    (["entities", "{missing}"], 2, "stderr", "{missing} is neither"),
    (["predict", "{missing}"], 2, "stderr", "no such file or folder: {missing}"),
    (["predict", "{pdf}", "--models", "{dir}"], 1, "stderr", "{dir}"),
    (["models", "show", "[/x]", "--models", "{dir}"], 1, "stderr", "[/x]"),
    (["models", "promote", "[/x]", "--models", "{dir}"], 1, "stderr", "[/x]"),
    (["evaluate", "--model", "keyword", "--labels", "{labels}"], 1, "stderr", "{labels}"),
    (["train", "--labels", "{labels}", "--out", "{dir}"], 1, "stderr", "{labels}"),
    (["evaluate-ner", "--labels", "{labels}"], 1, "stderr", "{labels}"),
    (["run", "{missing}"], 2, "stderr", "no such inbox: {missing}"),
    (
        ["export", "--model", "[/x]", "--db", "{db}", "--out", "{out}"],
        0,
        "stdout",
        "([/x] tags) -> {out}",
    ),
    (["corpus", "check", "--corpus", "{dir}"], 1, "stderr", "{labels}"),
]


@pytest.mark.parametrize(
    ("args", "code", "stream", "shown"), COMMANDS, ids=[" ".join(case[0][:3]) for case in COMMANDS]
)
def test_commands_print_bracketed_user_data_intact(places, args, code, stream, shown):
    result = runner.invoke(app, [arg.format(**places) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    assert shown.format(**places) in getattr(result, stream)
    if stream == "stderr":  # an error: one line
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
