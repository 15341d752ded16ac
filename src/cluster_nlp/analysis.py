"""Entity extraction and tagging in a child process of their own.

A tagging run's process can live as long as the scheduler that started it, and the libraries
these two stages need (spaCy and natasha, scikit-learn, the e5 engine) take hundreds of
megabytes once loaded and more while they work. They are loaded in one child process
instead: a fresh interpreter (``python -m cluster_nlp.analysis``, so it imports only what it
uses and inherits none of the caller's threads or state), started when a stage first needs it
and ended with the run, which gives their memory back to the system. Within the child the
model and the pipelines are loaded once and serve every chunk of the run.

The child is handed what a Prefect task takes (the store's URL, document ids, a model
version) and returns small records, over a pair of pipes of its own; an exception raised in
it is raised again in the caller (a busy database stays an ``OperationalError``, a bad model
file a ``ModelFileError``), and a child that dies (the out-of-memory killer) raises
``AnalysisProcessDied`` and is started afresh by the next call.

The functions that run in the child import their libraries in their bodies: this module is
imported by the caller, which must not load them.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from cluster_nlp.ingest.files import text_extractor_version
    from cluster_nlp.store.db import open_store

    predictor = loaded_predictor(models_dir, version, taxonomy)
    summary = tag_documents(open_store(db), predictor, text_extractor_version(), document_ids)
    return {"tagged": summary.tagged, "needs_review": summary.needs_review}


# What the caller may ask of the child, by name (the child runs this module as ``__main__``).
CALLS = {"load_model": _model_identity, "extract": _extract, "tag": _tag}


class AnalysisProcessDied(RuntimeError):
    """The child ended in the middle of a call (killed, or out of memory)."""


@dataclass
class _Child:
    process: subprocess.Popen
    requests: Connection
    replies: Connection


class AnalysisProcess:
    """One child process for entity extraction and tagging, started on first use.

    Safe to share between the threads of a task runner: calls are served one at a time, as
    the stages hold the interpreter's lock anyway.
    """

    def __init__(self) -> None:
        self._child: _Child | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _start() -> _Child:
        to_child, requests = os.pipe()
        replies, from_child = os.pipe()
        # The child finds this code where the caller does (a source checkout, a test's path).
        path = os.pathsep.join(entry for entry in sys.path if entry)
        process = subprocess.Popen(
            [sys.executable, "-m", "cluster_nlp.analysis", str(to_child), str(from_child)],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
        os.close(to_child)
        os.close(from_child)
        return _Child(
            process, Connection(requests, readable=False), Connection(replies, writable=False)
        )

    def _run(self, name: str, *args: object) -> Any:
        with self._lock:
            if self._child is None:
                self._child = self._start()
            child = self._child
            try:
                # multiprocessing's connections pickle what they carry, which is safe here:
                # both ends are this code, over pipes no one else holds.
                child.requests.send((name, args))
                failed, value = child.replies.recv()
            except (EOFError, OSError) as error:
                self._child = None
                code = _end(child)
                raise AnalysisProcessDied(
                    f"the analysis process ended during {name} (exit code {code})"
                ) from error
        if failed:
            raise value
        return value

    def load_model(
        self, models_dir: str, version: str | None, taxonomy: str | None, pipelines: bool = False
    ) -> ModelIdentity:
        """Load the model (default: the current one), and with ``pipelines`` the entity
        pipelines, ahead of the run's first chunk; a missing or refused model raises here."""
        return self._run("load_model", models_dir, version, taxonomy, pipelines)

    def extract(self, db: str, document_ids: list[str]) -> list[str]:
        """Extract and store the entities of ``document_ids``; returns those done."""
        return self._run("extract", db, document_ids)

    def tag(
        self,
        db: str,
        models_dir: str,
        version: str,
        taxonomy: str | None,
        document_ids: list[str],
    ) -> dict:
        """Tag ``document_ids`` with model ``version``: the ids tagged and how many need review."""
        return self._run("tag", db, models_dir, version, taxonomy, document_ids)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (None before the first call and after
        ``close``)."""
        child = self._child
        return child.process.pid if child is not None and child.process.poll() is None else None

    def close(self) -> None:
        """End the child (if started), giving back its memory; the next call starts another."""
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            _end(child)


def _end(child: _Child, timeout_s: float = 30) -> int | None:
    """Close the child's requests (it ends when it reads their end), then wait for it."""
    for connection in (child.requests, child.replies):
        try:
            connection.close()
        except OSError:  # a pipe whose reader is gone
            pass
    try:
        return child.process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        child.process.kill()
        return child.process.wait()


def _serve(requests: Connection, replies: Connection) -> None:
    """The child's loop: one call at a time, until the caller closes its end."""
    while True:
        try:
            name, args = requests.recv()
        except EOFError:
            return
        try:
            reply = (False, CALLS[name](*args))
        except Exception as error:  # raised again in the caller
            reply = (True, error)
        try:
            replies.send(reply)  # pickled whole before a byte is written
        except OSError:
            return  # the caller is gone
        except Exception:  # an exception that cannot be pickled: its class and message
            error = reply[1]
            replies.send((True, RuntimeError(f"{type(error).__name__}: {error}")))


SHARED = AnalysisProcess()
"""The process's one child: tasks of any thread use it, the run that started it ends it."""
atexit.register(SHARED.close)


if __name__ == "__main__":
    # Served from the module under its own name, so what it returns (``ModelIdentity``) is
    # unpickled in the caller as the class the caller knows.
    from cluster_nlp import analysis

    analysis._serve(
        Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False)
    )
