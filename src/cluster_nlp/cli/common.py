"""Options every command shares (printing is ``cli.output``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy URL of the store [default: the settings' sqlite file]",
        envvar="CLUSTER_NLP_DB",
        show_envvar=True,
    ),
]

ModelsOption = Annotated[
    Path | None,
    typer.Option(
        "--models",
        help="model registry folder [default: models/]",
        envvar="CLUSTER_NLP_MODELS_DIR",
        show_envvar=True,
    ),
]
TaxonomyOption = Annotated[
    Path | None,
    typer.Option(
        "--taxonomy",
        help="taxonomy YAML [default: the packaged one]",
        envvar="CLUSTER_NLP_TAXONOMY",
        show_envvar=True,
    ),
]


def db_url(option: str | None) -> str:
    from cluster_nlp.config import get_settings  # pydantic-settings: only once a command runs

    return option or get_settings().db
