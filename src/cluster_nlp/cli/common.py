"""Options every command shares (printing is ``cli.output``)."""

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy URL of the store, or the path of a SQLite file "
        "[default: the settings' sqlite file]",
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
    """The store's URL: ``option`` as given when it is a URL, a plain path as a SQLite file
    (``--db data/store.db``), else the settings' store."""
    from cluster_nlp.config import get_settings  # pydantic: only once a command runs

    if not option:
        return get_settings().db
    if "://" in option:
        return option
    return f"sqlite:///{Path(option).expanduser().resolve()}"
