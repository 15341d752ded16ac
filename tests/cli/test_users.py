"""``users add|list|remove|token``: who may sign in, with passwords only ever hashed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.review.auth import AuthError, authenticate, read_api_token
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import UserRow

runner = CliRunner()


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/users.db"


def test_add_reads_the_password_from_stdin_and_stores_only_a_hash(db):
    result = runner.invoke(
        app, ["users", "add", "anna", "--password-stdin", "--db", db], input="long secret\n"
    )
    assert result.exit_code == 0, result.output
    sessions = open_store(db)
    assert authenticate(sessions, "anna", "long secret").name == "anna"
    with sessions() as session:
        stored = session.query(UserRow).one().password_hash
    assert stored.startswith("$argon2") and "long secret" not in stored


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("anna", "short", "at least 8"),
        ("", "long secret", "user name"),
        ("taken", "x" * 9, "exists already"),
    ],
)
def test_add_refuses_bad_input_with_one_line(db, name, password, message):
    runner.invoke(app, ["users", "add", "taken", "--password-stdin", "--db", db], input="y" * 9)
    result = runner.invoke(
        app, ["users", "add", name, "--password-stdin", "--db", db], input=password + "\n"
    )
    assert result.exit_code == 2
    assert message in result.output


def test_list_and_remove(db):
    for name in ("anna", "<b>bob</b>"):
        runner.invoke(
            app, ["users", "add", name, "--password-stdin", "--db", db], input="long secret\n"
        )
    listed = runner.invoke(app, ["users", "list", "--db", db])
    assert "anna" in listed.output and "<b>bob</b>" in listed.output  # escaped for rich
    assert runner.invoke(app, ["users", "remove", "anna", "--db", db]).exit_code == 0
    with pytest.raises(AuthError):
        authenticate(open_store(db), "anna", "long secret")
    missing = runner.invoke(app, ["users", "remove", "anna", "--db", db])
    assert missing.exit_code == 2 and "no user" in missing.output


def test_token_prints_a_bearer_token_that_acts_for_the_user(db):
    runner.invoke(app, ["users", "add", "anna", "--password-stdin", "--db", db], input="x" * 9)
    result = runner.invoke(app, ["users", "token", "anna", "--db", db])
    assert result.exit_code == 0
    token = result.output.strip()
    assert read_api_token(open_store(db), token).name == "anna"
    assert read_api_token(open_store(db), token + "x") is None
