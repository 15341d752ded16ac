"""Options every command shares (printing is ``cli.output``)."""

from __future__ import annotations

from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy URL of the store [env: CLUSTER_NLP_DB; default sqlite]"),
]


def db_url(option: str | None) -> str:
    from cluster_nlp.config import get_settings  # pydantic-settings: only once a command runs

    return option or get_settings().db
