"""``run`` and ``serve`` against a PREFECT_API_URL that nothing answers: one line, exit 2."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from flows.cli import app


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe closes: nothing listens there


@pytest.mark.parametrize("command", [["run", "{inbox}"], ["serve", "--inbox", "{inbox}"]])
def test_an_unreachable_prefect_api_is_one_line(command, tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{closed_port()}/api")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    args = [part.format(inbox=inbox) for part in command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "does not answer" in result.output
    assert len(result.output.strip().splitlines()) == 1
