"""Connecting to the store: engine set-up, SQLite pragmas, and Alembic migrations.

Alembic is imported only when a store is behind the newest migration: a store already at head
(every run after the first) is opened with one query of ``alembic_version``, which keeps a
command with little to do, such as the re-ingest of an unchanged folder, quick to start.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from cluster_nlp.store.revisions import MIGRATIONS, schema_heads

if TYPE_CHECKING:
    from alembic.config import Config


class StoreError(RuntimeError):
    """The store cannot be opened or migrated (one line for the user)."""


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the review app, exports) work while a run writes;
    # busy_timeout turns short lock contention into waiting instead of errors.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError as error:  # e.g. a store stamped by newer code than this
        raise StoreError(str(error)) from error


def stored_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the store says it is at; none for a new store (no ``alembic_version``)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(rows.scalars())
    except DBAPIError:  # no such table yet
        return frozenset()


@cache
def _open(url: str) -> sessionmaker[Session]:
    try:
        engine = create_store_engine(url)
        if stored_revisions(engine) != schema_heads():
            migrate(engine)
    except (SQLAlchemyError, OSError, StoreError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        shown = make_url(url).render_as_string(hide_password=True)
        raise StoreError(f"cannot open store {shown}: {first_line}") from error
    return sessionmaker(engine, expire_on_commit=False)


def open_store(url: str, create: bool = True) -> sessionmaker[Session]:
    """A session factory for a migrated store at ``url`` (engines are shared per URL).

    With ``create=False`` (commands that only read) a SQLite file that does not exist is a
    one-line ``StoreError``, so a mistyped path never leaves an empty store behind.
    """
    parsed = make_url(url)
    if not create and parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not Path(database).is_file():
            raise StoreError(
                f"no store at {database}: ingest documents first (`cluster-nlp ingest`, "
                "`make run`) or check --db / CLUSTER_NLP_DB"
            )
    return _open(url)
