"""Entity extraction and tagging in a child process of their own.

A tagging run's process can live as long as the scheduler that started it, and the libraries
these two stages need (spaCy and natasha, scikit-learn, the e5 engine) take hundreds of
megabytes once loaded and more while they work. They are loaded in one child process
instead: started afresh (``spawn``, so it imports only what it uses and inherits none of the
caller's threads) when a stage first needs it, and ended with the run, which gives their
memory back to the system. Within the child the model and the pipelines are loaded once and
serve every chunk of the run.

The child is handed what a Prefect task takes (the store's URL, document ids, a model
version) and returns small records; an exception raised in it is raised again in the caller
(a busy database stays an ``OperationalError``, a bad model file a ``ModelFileError``), and a
child that dies (the out-of-memory killer) raises ``pebble.ProcessExpired`` and is replaced.

The functions that run in the child import their libraries in their bodies: this module is
imported by the caller, which must not load them. As with any ``spawn``, the child imports
the caller's main script again (as ``__mp_main__``), so a script that runs the flow keeps
its work under ``if __name__ == "__main__":``; the console scripts, ``python -c`` and Prefect's
workers do.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pebble import ProcessPool

if TYPE_CHECKING:
    from cluster_nlp.classify.predict import Predictor


@dataclass(frozen=True)
class ModelIdentity:
    """What a run records of its model: the version and the taxonomy it was trained with."""

    version: str
    taxonomy_version: str


def model_identity(models_dir: str, version: str | None, taxonomy: str | None) -> ModelIdentity:
    """The model a run will tag with (default: the current one), checked in this process
    without being loaded: a missing, tampered or mismatched model fails here, before any work,
    and an unchanged inbox never starts the child."""
    from cluster_nlp.registry import check_version
    from cluster_nlp.taxonomy import load_taxonomy

    checked, metadata = check_version(Path(models_dir), load_taxonomy(taxonomy), version)
    return ModelIdentity(checked, metadata["taxonomy_version"])


@lru_cache(maxsize=2)  # the current model and the one before it, in a long-lived process
def loaded_predictor(models_dir: str, version: str | None, taxonomy: str | None) -> Predictor:
    """The model ``version`` (default: the current one), loaded once per process."""
    from cluster_nlp.classify.predict import trained_predictor
    from cluster_nlp.registry import current_version, load_version
    from cluster_nlp.taxonomy import load_taxonomy

    version = version or current_version(Path(models_dir))
    loaded = load_taxonomy(taxonomy)
    return trained_predictor(load_version(Path(models_dir), loaded, version), loaded)


def _model_identity(
    models_dir: str, version: str | None, taxonomy: str | None, pipelines: bool
) -> ModelIdentity:
    predictor = loaded_predictor(models_dir, version, taxonomy)
    if pipelines:
        from cluster_nlp.nlp.pipeline import LANGUAGES, pipeline

        for lang in LANGUAGES:
            pipeline(lang)
    return ModelIdentity(predictor.version, predictor.taxonomy_version)


def _extract(db: str, document_ids: list[str]) -> list[str]:
    from cluster_nlp.nlp.batch import extract_stored
    from cluster_nlp.store.db import open_store

    return extract_stored(open_store(db), document_ids)


def _tag(
    db: str, models_dir: str, version: str, taxonomy: str | None, document_ids: list[str]
) -> dict:
    from cluster_nlp.classify.tag import tag_documents
    from cluster_nlp.ingest.pipeline import text_extractor_version
    from cluster_nlp.store.db import open_store

    predictor = loaded_predictor(models_dir, version, taxonomy)
    summary = tag_documents(open_store(db), predictor, text_extractor_version(), document_ids)
    return {"tagged": summary.tagged, "needs_review": summary.needs_review}


class AnalysisProcess:
    """One child process for entity extraction and tagging, started on first use.

    Safe to share between the threads of a task runner: calls are served one at a time, as
    the stages hold the interpreter's lock anyway.
    """

    def __init__(self) -> None:
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def _run(self, function: Callable[..., Any], *args: object) -> Any:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPool(
                    max_workers=1, context=multiprocessing.get_context("spawn")
                )
            pool = self._pool
        return pool.schedule(function, args=args).result()

    def load_model(
        self, models_dir: str, version: str | None, taxonomy: str | None, pipelines: bool = False
    ) -> ModelIdentity:
        """Load the model (default: the current one), and with ``pipelines`` the entity
        pipelines, ahead of the run's first chunk; a missing or refused model raises here."""
        return self._run(_model_identity, models_dir, version, taxonomy, pipelines)

    def extract(self, db: str, document_ids: list[str]) -> list[str]:
        """Extract and store the entities of ``document_ids``; returns those done."""
        return self._run(_extract, db, document_ids)

    def tag(
        self,
        db: str,
        models_dir: str,
        version: str,
        taxonomy: str | None,
        document_ids: list[str],
    ) -> dict:
        """Tag ``document_ids`` with model ``version``: the ids tagged and how many need review."""
        return self._run(_tag, db, models_dir, version, taxonomy, document_ids)

    def close(self) -> None:
        """End the child (if started), giving back its memory; the next call starts another."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            pool.join()


SHARED = AnalysisProcess()
"""The process's one child: tasks of any thread use it, the run that started it ends it."""
atexit.register(SHARED.close)
