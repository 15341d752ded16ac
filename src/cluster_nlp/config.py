"""Settings from the environment (``CLUSTER_NLP_*``) with defaults for the embedded set-up.

A plain pydantic model validates them; pydantic-settings is not used because importing it
(asyncio and OpenSSL with it) took 0.04-0.08 s of every command's start-up, about as much as
the whole work of re-ingesting an unchanged folder, for settings that are flat values from the
environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# The checkout this package runs from (src/cluster_nlp/config.py -> the repository root):
# models/, corpus/ and data/ live there, wherever a command, a Dask worker or `serve` starts.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_URL = "sqlite:///data/cluster_nlp.db"
# A SQLite URL's file part (read without importing SQLAlchemy, which commands load late).
SQLITE_FILE = re.compile(r"^(sqlite(?:\+\w+)?:///)([^?]+)(\?.*)?$")


ENV_PREFIX = "CLUSTER_NLP_"


class SettingsError(ValueError):
    """A ``CLUSTER_NLP_*`` variable holds a value its setting cannot take."""


class Settings(BaseModel):
    """Relative paths (and a relative SQLite file) are taken from ``home``, never from the
    working directory, so every process of one set-up finds the same files."""

    model_config = ConfigDict(extra="ignore")

    home: Path = Field(PROJECT_ROOT, description="folder that relative paths below start from")
    db: str = Field(DEFAULT_DB_URL, description="SQLAlchemy URL of the document store")
    corpus_dir: Path = Path("corpus")
    models_dir: Path = Path("models")
    file_timeout_s: float = Field(120.0, gt=0, description="per-file parse limit in seconds")
    file_memory_mb: int = Field(
        1024, gt=64, description="address space a parse worker may add beyond its start"
    )
    file_max_mb: int = Field(512, ge=1, description="larger files fail as too_large unread")
    model_file_mb: int = Field(
        512, gt=0, description="largest model file the registry reads (hashing and loading)"
    )
    workers: int = Field(2, ge=1)
    tag_interval_s: int = Field(900, ge=10, description="tagging schedule when no cron is set")
    tag_cron: str | None = Field(None, description="tagging schedule as a cron string")
    retrain_cron: str = Field("0 3 * * 1", description="weekly retraining (Mondays 03:00)")
    taxonomy: Path | None = Field(None, description="taxonomy YAML; the packaged one when unset")
    dask_address: str | None = Field(
        None, description="run flows on Dask: a scheduler address, or local:N for N workers"
    )
    chunk_size: int = Field(25, ge=1, description="documents per flow task")
    keep_models_loaded: bool = Field(
        False,
        description="keep the process that tags and extracts entities (its model and "
        "pipelines, some 450 MB) from one flow run to the next in the calling process: "
        "quicker repeated runs, memory held",
    )
    claim_ttl_s: float = Field(
        1800.0, gt=0, description="how long a run's claim on a document holds if it dies"
    )
    staging_dir: Path = Field(
        Path("data/staging"), description="local copies of files from a remote (fsspec) inbox"
    )
    cache_dir: Path = Field(
        Path("data/cache"), description="recomputable files (benchmark vectors); never committed"
    )

    @model_validator(mode="after")
    def _anchor_relative_paths(self) -> Settings:
        self.home = self.home.expanduser().resolve()
        for name in ("corpus_dir", "models_dir", "staging_dir", "cache_dir", "taxonomy"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, self.home / value.expanduser())  # absolute stays as is
        sqlite = SQLITE_FILE.match(self.db)
        if sqlite and sqlite[2] != ":memory:" and not sqlite[2].startswith("/"):
            self.db = f"{sqlite[1]}{self.home / sqlite[2]}{sqlite[3] or ''}"
        return self


def get_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings from ``CLUSTER_NLP_<NAME>`` variables (the name in any case); unset ones
    keep their defaults. A value that does not validate raises ``SettingsError`` naming the
    variable, in one line."""
    values = {
        name[len(ENV_PREFIX) :].lower(): value
        for name, value in environ.items()
        if name.upper().startswith(ENV_PREFIX)
    }
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    problems = [
        f"{ENV_PREFIX}{'.'.join(map(str, problem['loc'])).upper()}={problem['input']!r}: "
        f"{problem['msg']}"
        for problem in error.errors(include_url=False)
    ]
    return "invalid setting " + "; ".join(problems)
