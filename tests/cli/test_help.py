"""What ``--help`` shows: environment variables beside the options they set, flags as flags,
``--version``; and ``models list`` with whole version ids and the split of each figure."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cluster_nlp.cli import app, output
from cluster_nlp.registry import CURRENT_FILE

runner = CliRunner()
ROOT = typer.main.get_command(app)


def commands(group=ROOT, prefix=()):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = dict(commands())


@pytest.mark.parametrize(
    ("path", "option", "variable"),
    [
        (("ingest",), "--db", "CLUSTER_NLP_DB"),
        (("ingest",), "--workers", "CLUSTER_NLP_WORKERS"),
        (("ingest",), "--timeout", "CLUSTER_NLP_FILE_TIMEOUT_S"),
        (("ingest",), "--memory-mb", "CLUSTER_NLP_FILE_MEMORY_MB"),
        (("list",), "--db", "CLUSTER_NLP_DB"),
        (("show",), "--db", "CLUSTER_NLP_DB"),
        (("show",), "--taxonomy", "CLUSTER_NLP_TAXONOMY"),
        (("search",), "--db", "CLUSTER_NLP_DB"),
        (("forget",), "--db", "CLUSTER_NLP_DB"),
        (("tag",), "--db", "CLUSTER_NLP_DB"),
        (("tag",), "--models", "CLUSTER_NLP_MODELS_DIR"),
        (("predict",), "--models", "CLUSTER_NLP_MODELS_DIR"),
        (("predict",), "--taxonomy", "CLUSTER_NLP_TAXONOMY"),
        (("export",), "--db", "CLUSTER_NLP_DB"),
        (("export",), "--models", "CLUSTER_NLP_MODELS_DIR"),
        (("export",), "--taxonomy", "CLUSTER_NLP_TAXONOMY"),
        (("review",), "--models", "CLUSTER_NLP_MODELS_DIR"),
        (("models", "list"), "--models", "CLUSTER_NLP_MODELS_DIR"),
        (("corpus", "check"), "--corpus", "CLUSTER_NLP_CORPUS_DIR"),
    ],
)
def test_options_read_and_show_their_environment_variable(path, option, variable):
    (param,) = [p for p in COMMANDS[path].params if option in p.opts]
    assert param.envvar == variable
    result = runner.invoke(app, [*path, "--help"])
    assert f"[env var: {variable}" in " ".join(result.stdout.split())


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_flags_show_as_flags(path):
    shown = runner.invoke(app, [*path, "--help"]).stdout
    assert "<bool>" not in shown and "<boolean>" not in shown
    for param in COMMANDS[path].params:
        if getattr(param, "is_flag", False) and not param.secondary_opts:
            # an on-only flag that is on by default could never be turned off
            assert param.default is False, (path, param.name)


def test_the_environment_sets_the_store(tmp_path: Path, monkeypatch):
    from cluster_nlp.store.db import open_store

    url = f"sqlite:///{tmp_path}/env.db"
    monkeypatch.setenv("CLUSTER_NLP_DB", url)
    refused = runner.invoke(app, ["list", "--json"])  # the store named there does not exist
    assert refused.exit_code == 2 and f"no store at {tmp_path}/env.db" in refused.output
    open_store(url)
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 0


def test_version():
    result = runner.invoke(app, ["--version"])
    assert (
        result.exit_code == 0 and result.stdout.strip() == f"cluster-nlp {version('cluster-nlp')}"
    )


VERSIONS = [  # three versions that differ only at the end, on two test splits
    ("v20261127-091051", "aa" * 32, 42, 0.742),
    ("v20261127-091052", "aa" * 32, 42, 0.800),
    ("v20261127-091053", "bb" * 32, 58, 0.758),
]


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    for name, data, test_documents, f1 in VERSIONS:
        folder = tmp_path / name
        folder.mkdir()
        metadata = {
            "version": name,
            "data_sha256": data,
            "test_documents": test_documents,
            "train_documents": 100,
            "model_sha256": "0" * 64,  # the registry lists only versions with valid metadata
            "taxonomy_version": "t1",
        }
        (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        group = {"micro": {"f1": f1}}
        metrics = {
            "test": {g: group for g in ("formation_type", "functions", "institutional_forms")}
        }
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (tmp_path / CURRENT_FILE).write_text(VERSIONS[2][0] + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("width", [60, 80, 120])
def test_models_list_shows_whole_version_ids_and_their_test_split(
    registry: Path, width: int, monkeypatch
):
    monkeypatch.setattr(output.console, "width", width)
    result = runner.invoke(app, ["models", "list", "--models", str(registry)])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "v2026" in line]
    assert [next(w for w in row.split() if w.startswith("v2026")) for row in rows] == [
        VERSIONS[2][0],  # the current model's split first
        VERSIONS[0][0],
        VERSIONS[1][0],
    ]
    assert "bbbbbbbb/58" in rows[0] and all("aaaaaaaa/42" in row for row in rows[1:])
    assert "2 different test splits" in " ".join(result.stdout.split())


def test_models_list_on_one_split_adds_no_warning(registry: Path):
    (registry / CURRENT_FILE).write_text(VERSIONS[0][0] + "\n", encoding="utf-8")
    shutil.rmtree(registry / VERSIONS[2][0])
    result = runner.invoke(app, ["models", "list", "--models", str(registry)])
    assert result.exit_code == 0 and "different test splits" not in result.stdout
