"""Sentence encoders by name, so a model names its encoder instead of holding one.

A model's ``encoder`` parameter is a name from ``ENCODERS`` (a string, so ``clone()`` and
``get_params()`` work and the model file never holds a live engine). ``encoder(name)`` builds
the engine on first use, once per process; ``encoder_version(name)`` is the string that
vectors are kept under (``store.vectors``): a vector is reused only for the same text and
the same encoder version.

While ``stored_vectors(sessions)`` is active, every encoder answers passages from the store
and embeds only the texts it has never seen (training on the corpus uses an on-disk store
under the data folder; tagging uses the document store; retraining on analysts' decisions
uses both, the document store behind the corpus's), so a second training, a re-tagging with
a new model, a retraining and search embed nothing they embedded before.

Another encoder is one entry in ``ENCODERS``: a factory returning an object with
``passages(texts)`` and ``queries(texts)`` (L2-normalised float32 rows) and a ``version``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cluster_nlp.classify.embeddings import Embedder, default_embedder, engine_version


class UnknownEncoderError(ValueError):
    """A model names an encoder this installation does not have."""


@dataclass(frozen=True)
class EncoderEntry:
    factory: Callable[[], Embedder]  # the engine, built on first use
    version: Callable[[], str]  # what vectors are kept under


def _use_embedder() -> Embedder:
    from cluster_nlp.classify.use_encoder import USEEmbedder

    return USEEmbedder()


def _use_version() -> str:
    from cluster_nlp.classify.use_encoder import engine_version as use_engine_version

    return use_engine_version()


# multilingual-e5-small is the default: on the corpus's test views it beat multilingual USE v3
# on functions and institutional forms; USE embeds about six times faster (BENCHMARKS.md,
# "Sentence encoders"), for a model trained with `encoder: use-multilingual-v3`.
ENCODERS: dict[str, EncoderEntry] = {
    "e5-small": EncoderEntry(default_embedder, engine_version),
    "use-multilingual-v3": EncoderEntry(_use_embedder, _use_version),
}

_engines: dict[str, Embedder] = {}
_store: list = []  # the session factory vectors are kept in while ``stored_vectors`` is active


def register_encoder(name: str, entry: EncoderEntry) -> None:
    """Add (or replace) an encoder; its engine is built again on next use."""
    ENCODERS[name] = entry
    _engines.pop(name, None)


def _entry(name: str) -> EncoderEntry:
    if name not in ENCODERS:
        raise UnknownEncoderError(
            f"unknown encoder {name!r}; this installation has {', '.join(sorted(ENCODERS))}"
        )
    return ENCODERS[name]


def encoder_version(name: str) -> str:
    return _entry(name).version()


def _engine(name: str) -> Embedder:
    if name not in _engines:
        _engines[name] = _entry(name).factory()
    return _engines[name]


def encoder(name: str) -> Embedder:
    """The named encoder; inside ``stored_vectors``, behind the stores: the innermost block's
    store is asked first and keeps what it lacked; the stores around it are only read (a
    retraining reads the vectors tagging kept, without filling the document store with the
    corpus's); only what none holds is embedded."""
    entry = _entry(name)
    if not _store:
        return _engine(name)
    from cluster_nlp.store.vectors import StoredVectors

    innermost = len(_store) - 1

    def behind(index: int) -> Embedder:
        if index < 0:
            return _engine(name)
        return StoredVectors(
            _store[index], lambda: behind(index - 1), entry.version(), keep=index == innermost
        )

    return behind(len(_store) - 1)


@contextmanager
def stored_vectors(sessions) -> Iterator[None]:
    """Inside this block, passage vectors are read from (and new ones kept in) ``sessions``."""
    _store.append(sessions)
    try:
        yield
    finally:
        _store.pop()


def vector_cache_sessions(path):
    """The on-disk vector store at ``path`` (a SQLite file, created when missing)."""
    from cluster_nlp.store.db import open_store

    path.parent.mkdir(parents=True, exist_ok=True)
    return open_store(f"sqlite:///{path.resolve()}")
