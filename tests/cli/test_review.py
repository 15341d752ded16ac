"""``review`` serves on localhost by default; ``export-labels``/``import-labels`` from the shell."""

from __future__ import annotations

import json

import pytest
from review_store import build_document, store_tagged
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import current_decisions, save_group_decision

runner = CliRunner()


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    sessions = open_store(url)
    document_id = store_tagged(
        sessions, build_document("inbox/a.pdf", ["Технопарк поддерживает стартапы."])
    )
    save_group_decision(sessions, document_id, "functions", ["startup_support"], "ann")
    return url


@pytest.mark.parametrize(
    ("options", "host", "port"),
    [([], "127.0.0.1", 8000), (["--host", "0.0.0.0", "--port", "8123"], "0.0.0.0", 8123)],
)
def test_review_binds_to_localhost_unless_told(db, tmp_path, monkeypatch, options, host, port):
    import uvicorn

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(kwargs, app=app))
    result = runner.invoke(
        app, ["review", "--db", db, "--no-vectors", "--models", str(tmp_path), *options]
    )
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == (host, port)
    assert "no user can sign in yet" in result.output


def test_review_fails_in_one_line_on_a_store_it_cannot_open(tmp_path):
    result = runner.invoke(app, ["review", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 1
    assert "cannot open store" in result.output


@pytest.mark.parametrize(("fmt", "name"), [("label-studio", "out.json"), ("prodigy", "o.jsonl")])
def test_export_then_import_labels(db, tmp_path, fmt, name):
    out = tmp_path / name
    exported = runner.invoke(app, ["export-labels", "--format", fmt, "--out", str(out), "--db", db])
    assert exported.exit_code == 0, exported.output
    assert "1 reviewed documents" in exported.output
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    imported = runner.invoke(app, ["import-labels", str(out), "--format", fmt, "--db", fresh])
    assert imported.exit_code == 0, imported.output
    assert "1 stored as new documents" in imported.output
    (decision,) = current_decisions(open_store(fresh)).values()
    assert decision.labels == ["startup_support"]


def test_import_exits_non_zero_when_records_were_skipped(db, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "x", "accept": ["no_such_label"]}) + "\n", "utf-8")
    result = runner.invoke(app, ["import-labels", str(path), "--format", "prodigy", "--db", db])
    assert result.exit_code == 1
    assert "no_such_label" in result.output
