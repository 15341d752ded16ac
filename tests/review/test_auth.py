"""Users, sessions that expire, lockout that grows, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from cluster_nlp.review import auth
from cluster_nlp.store.db import open_store
from cluster_nlp.store.models import LoginAttemptRow, UserRow, WebSessionRow


@pytest.fixture
def sessions(tmp_path):
    factory = open_store(f"sqlite:///{tmp_path}/auth.db")
    auth.add_user(factory, "anna", "long secret")
    return factory


def test_a_session_expires(sessions):
    user = auth.authenticate(sessions, "anna", "long secret")
    secret, session = auth.start_session(sessions, user)
    assert auth.read_session(sessions, secret).user == user
    assert session.expires_at - datetime.now(UTC) <= auth.SESSION_LIFETIME
    with sessions.begin() as db:
        db.execute(update(WebSessionRow).values(expires_at=datetime.now(UTC) - timedelta(1)))
    assert auth.read_session(sessions, secret) is None


def test_signing_out_ends_the_session(sessions):
    secret, _ = auth.start_session(sessions, auth.authenticate(sessions, "anna", "long secret"))
    auth.end_session(sessions, secret)
    assert auth.read_session(sessions, secret) is None


def test_the_store_keeps_no_session_secret(sessions):
    secret, _ = auth.start_session(sessions, auth.authenticate(sessions, "anna", "long secret"))
    with sessions() as db:
        assert db.query(WebSessionRow).one().id != secret


@pytest.mark.parametrize(("failures", "seconds"), [(5, 30), (6, 60), (7, 120), (40, 3600)])
def test_the_lock_doubles_with_each_further_wrong_password(failures, seconds):
    assert auth._lock_time(failures) == timedelta(seconds=seconds)


def test_a_locked_account_opens_again_when_the_lock_runs_out(sessions):
    for _ in range(auth.LOCK_AFTER):
        with pytest.raises(auth.AuthError, match="wrong"):
            auth.authenticate(sessions, "anna", "guess")
    with pytest.raises(auth.AuthError, match="locked"):
        auth.authenticate(sessions, "anna", "long secret")
    with sessions.begin() as db:
        db.execute(update(UserRow).values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert auth.authenticate(sessions, "anna", "long secret").name == "anna"
    with sessions() as db:
        attempts = [row.succeeded for row in db.query(LoginAttemptRow).order_by("id")]
    assert attempts == [False] * (auth.LOCK_AFTER + 1) + [True]


def test_an_expired_api_token_is_refused(sessions):
    token = auth.create_api_token(sessions, "anna", "ci", timedelta(seconds=-1))
    assert auth.read_api_token(sessions, token) is None
    assert auth.read_api_token(sessions, auth.create_api_token(sessions, "anna", "ci")).name == (
        "anna"
    )
