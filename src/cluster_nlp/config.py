"""Settings from the environment (``CLUSTER_NLP_*``) with defaults for the embedded set-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///data/cluster_nlp.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLUSTER_NLP_", extra="ignore")

    db: str = Field(DEFAULT_DB_URL, description="SQLAlchemy URL of the document store")
    corpus_dir: Path = Path("corpus")
    models_dir: Path = Path("models")
    file_timeout_s: float = Field(120.0, gt=0, description="per-file parse limit in seconds")
    file_memory_mb: int = Field(
        1024, gt=64, description="address space a parse worker may add beyond its start"
    )
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
    claim_ttl_s: float = Field(
        1800.0, gt=0, description="how long a run's claim on a document holds if it dies"
    )
    staging_dir: Path = Field(
        Path("data/staging"), description="local copies of files from a remote (fsspec) inbox"
    )


def get_settings() -> Settings:
    return Settings()
