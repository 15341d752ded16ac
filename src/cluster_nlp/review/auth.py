"""Who may use the review app: users, sessions, sign-in throttling, CSRF and API tokens.

Passwords are hashed with argon2 (argon2-cffi). A session is a random secret in an HttpOnly
cookie; the store keeps only its SHA-256, with the session's CSRF token and expiry. Wrong
passwords in a row lock the account for a while, longer each time, so guessing is slow.
API tokens are random secrets too, stored as SHA-256 and sent as ``Authorization: Bearer``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute

from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.models import (
    ApiTokenRow,
    LoginAttemptRow,
    UserRow,
    WebSessionRow,
)

SESSION_LIFETIME = timedelta(hours=8)
# After LOCK_AFTER wrong passwords in a row the account locks for LOCK_BASE, doubling with
# every further wrong password, up to LOCK_MAX; a right password resets the count.
LOCK_AFTER = 5
LOCK_BASE = timedelta(seconds=30)
LOCK_MAX = timedelta(hours=1)
USER_NAME_MAX = 128

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str


class Session(BaseModel):
    model_config = ConfigDict(frozen=True)

    user: User
    csrf_token: str
    expires_at: datetime


class AuthError(ValueError):
    """A sign-in or user-management request that cannot be granted (one line for the user)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_user_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > USER_NAME_MAX or not name.isprintable():
        raise AuthError(f"a user name is 1 to {USER_NAME_MAX} printable characters")
    return name


def add_user(sessions: SessionFactory, name: str, password: str) -> User:
    name = check_user_name(name)
    if len(password) < 8:
        raise AuthError("a password needs at least 8 characters")
    with sessions.begin() as session:
        if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise AuthError(f"user {name!r} exists already")
        row = UserRow(name=name, password_hash=_hasher.hash(password))
        session.add(row)
        session.flush()
        return User(id=row.id, name=row.name)


def list_users(sessions: SessionFactory) -> list[dict]:
    with sessions() as session:
        return [
            {
                "name": row.name,
                "created_at": row.created_at,
                "locked_until": row.locked_until,
                "failed_logins": row.failed_logins,
            }
            for row in session.scalars(select(UserRow).order_by(UserRow.name))
        ]


def remove_user(sessions: SessionFactory, name: str) -> None:
    with sessions.begin() as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise AuthError(f"no user {name!r}")
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
        session.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == row.id))
        session.delete(row)


def _lock_time(failures: int) -> timedelta:
    return min(LOCK_BASE * 2 ** max(0, failures - LOCK_AFTER), LOCK_MAX)


def authenticate(
    sessions: SessionFactory, name: str, password: str, remote: str | None = None
) -> User:
    """The user, when the password is right and the account is not locked; else AuthError.

    Every attempt is recorded; the failure count is committed before the error is raised.
    """
    name = name.strip()[:USER_NAME_MAX]
    refusal = None
    with sessions.begin() as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        locked = row is not None and row.locked_until and _aware(row.locked_until) > _now()
        if locked:
            refusal = "too many wrong passwords: this account is locked for a while"
        else:
            try:
                _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                refusal = "wrong user name or password"
                if row is not None:
                    row.failed_logins += 1
                    if row.failed_logins >= LOCK_AFTER:
                        row.locked_until = _now() + _lock_time(row.failed_logins)
        session.add(LoginAttemptRow(user_name=name, succeeded=refusal is None, remote=remote))
        if refusal is None:
            row.failed_logins = 0
            row.locked_until = None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            user = User(id=row.id, name=row.name)
    if refusal is not None:
        raise AuthError(refusal)
    return user


def start_session(sessions: SessionFactory, user: User) -> tuple[str, Session]:
    """A new session for ``user``: the cookie's secret and the session."""
    secret = secrets.token_urlsafe(32)
    expires = _now() + SESSION_LIFETIME
    csrf = secrets.token_urlsafe(32)
    with sessions.begin() as session:
        session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < _now()))
        session.add(
            WebSessionRow(id=_digest(secret), user_id=user.id, csrf_token=csrf, expires_at=expires)
        )
    return secret, Session(user=user, csrf_token=csrf, expires_at=expires)


def _live_holder(sessions: SessionFactory, key: InstrumentedAttribute, secret: str | None):
    """The row whose ``key`` column holds ``secret``'s hash, with its user, unless it has
    expired (a session cookie's or an API token's: both are stored only hashed)."""
    if not secret:
        return None
    holder = key.class_
    with sessions() as session:
        found = session.execute(
            select(holder, UserRow)
            .join(UserRow, UserRow.id == holder.user_id)
            .where(key == _digest(secret))
        ).first()
    if found is None:
        return None
    row, user = found
    if row.expires_at is not None and _aware(row.expires_at) <= _now():
        return None
    return row, user


def read_session(sessions: SessionFactory, secret: str | None) -> Session | None:
    """The live session a cookie's secret names, or None (unknown or expired)."""
    found = _live_holder(sessions, WebSessionRow.id, secret)
    if found is None:
        return None
    web_session, user = found
    return Session(
        user=User(id=user.id, name=user.name),
        csrf_token=web_session.csrf_token,
        expires_at=_aware(web_session.expires_at),
    )


def end_session(sessions: SessionFactory, secret: str | None) -> None:
    if secret:
        with sessions.begin() as session:
            session.execute(delete(WebSessionRow).where(WebSessionRow.id == _digest(secret)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def create_api_token(
    sessions: SessionFactory, user_name: str, token_name: str, lifetime: timedelta | None = None
) -> str:
    """A new bearer token for ``user_name``; the secret is shown once and stored hashed."""
    secret = "cnlp_" + secrets.token_urlsafe(32)
    with sessions.begin() as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.name == user_name))
        if user_id is None:
            raise AuthError(f"no user {user_name!r}")
        session.add(
            ApiTokenRow(
                user_id=user_id,
                name=token_name,
                token_hash=_digest(secret),
                expires_at=_now() + lifetime if lifetime else None,
            )
        )
    return secret


def read_api_token(sessions: SessionFactory, secret: str | None) -> User | None:
    found = _live_holder(sessions, ApiTokenRow.token_hash, secret)
    return None if found is None else User(id=found[1].id, name=found[1].name)
