"""Options every command shares: ``--db`` takes a URL or a plain SQLite path."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster_nlp.cli.common import db_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql+psycopg://user@host/db", "postgresql+psycopg://user@host/db"),
        ("sqlite:///data/store.db", "sqlite:///data/store.db"),
        ("store.db", "sqlite:///{cwd}/store.db"),
        ("sub/dir/store [v1].db", "sqlite:///{cwd}/sub/dir/store [v1].db"),
        ("/tmp/x/store.db", "sqlite:////tmp/x/store.db"),
    ],
)
def test_db_takes_a_url_or_a_sqlite_path(given, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert db_url(given) == expected.format(cwd=Path.cwd())


def test_no_db_means_the_settings_store(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTER_NLP_DB", f"sqlite:///{tmp_path}/elsewhere.db")
    assert db_url(None) == f"sqlite:///{tmp_path}/elsewhere.db"


@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "abcd1234"], ["search", "кластер"], ["export", "--out", "x.csv"]],
)
def test_a_read_only_command_never_creates_a_store(command, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from flows.cli import app

    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "typo" / "stroe.db"
    result = CliRunner().invoke(app, [*command, "--db", str(missing)])
    assert result.exit_code != 0
    assert "no store at" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not missing.exists() and not missing.parent.exists()
