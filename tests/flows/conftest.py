"""Fixtures for the flow tests: Prefect's test server, a tiny taxonomy, corpus and models, inboxes.

These are the only tests that start Prefect (one test server for the session). The tiny
taxonomy and corpus are the classifier tests' (``tests/support/tiny_corpus.py``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pdf_drawing import FONT, register_font
from prefect.client.orchestration import get_client
from prefect.settings import (
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from tiny_corpus import SENTENCES, TOPIC, make_corpus, write_taxonomy

from cluster_nlp.classify.train import train_and_register
from cluster_nlp.registry import promote
from cluster_nlp.taxonomy import load_taxonomy

SERVER_STARTUP_S = 180  # the test server migrates a fresh database on a shared 2-core machine

# The inbox: name -> the labels its text carries (ru texts unless the name says en).
GOOD_FILES = {
    "accelerator.md": ["territorial", "startup_support", "consortium"],
    "network.md": ["national_network", "education_training", "association"],
    "hackathon.txt": ["territorial", "events_popularization", "association"],
    "programme-en.txt": ["national_network", "startup_support", "consortium"],
    "report.pdf": ["territorial", "education_training", "consortium"],
    "news-en.pdf": ["national_network", "events_popularization", "association"],
}
BAD_FILES = {"empty.pdf": b"", "fake.pdf": b"plain text wearing a .pdf name\n"}


@pytest.fixture(autouse=True)
def keep_models_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flow tests share one analysis process, as any process that calls the flow again and
    again may: its entity pipelines load once for the session instead of once per run.
    Tests of a run's end (no process left behind) turn it off."""
    monkeypatch.setenv("CLUSTER_NLP_KEEP_MODELS_LOADED", "1")


def text_of(name: str, labels: list[str], variant: int = 0) -> str:
    """Sentences carrying ``labels``: Russian ones, or the English one for ``*-en`` names, after
    a sentence that makes the document about an AI cluster (relevant)."""
    pick = 2 if "-en" in name else variant % 2
    topic = TOPIC["en" if "-en" in name else "ru"]
    return " ".join([topic, *(SENTENCES[label][pick] for label in labels)])


def write_pdf(path: Path, font: Path, text: str) -> None:
    register_font(font)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setFont(FONT, 10)
    y = 780
    for sentence in text.split(". "):
        pdf.drawString(60, y, sentence.strip())
        y -= 16
    pdf.showPage()
    pdf.save()


def make_inbox(folder: Path, font: Path, copies: int = 1, bad: bool = True) -> Path:
    """The good files (``copies`` distinct variants of each) and, with ``bad``, the bad ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for copy in range(copies):
        for name, labels in GOOD_FILES.items():
            stem, suffix = name.rsplit(".", 1)
            target = folder / (f"{stem}-{copy:03d}.{suffix}" if copies > 1 else name)
            text = text_of(name, labels, copy) + (f" Выпуск {copy}." if copies > 1 else "")
            if suffix == "pdf":
                write_pdf(target, font, text)
            elif suffix == "md":
                target.write_text(f"# {stem}\n\n{text}\n", "utf-8")
            else:
                target.write_text(text + "\n", "utf-8")
    if bad:
        for name, data in BAD_FILES.items():
            (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="session", autouse=True)
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Prefect's test server for the session; cached task results go to a temporary folder."""
    storage = tmp_path_factory.mktemp("prefect-results")
    with temporary_settings(
        updates={PREFECT_LOCAL_STORAGE_PATH: storage, PREFECT_SERVER_ANALYTICS_ENABLED: False}
    ):
        with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_S):
            yield


@pytest.fixture(scope="session")
def taxonomy_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_taxonomy(tmp_path_factory.mktemp("taxonomy"))


@pytest.fixture(scope="session")
def corpus_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def trained_models(
    tmp_path_factory: pytest.TempPathFactory, taxonomy_path: Path, corpus_labels: Path
) -> Path:
    """Two versions trained once for the session: ``v1`` (current) and ``v2``."""
    folder = tmp_path_factory.mktemp("models")
    taxonomy = load_taxonomy(taxonomy_path)
    for version, params in (("v1", {"cv": 3}), ("v2", {"cv": 2})):
        train_and_register(corpus_labels, taxonomy, folder, params, version=version)
    promote(folder, "v1")
    return folder


@pytest.fixture
def models_dir(trained_models: Path, tmp_path: Path) -> Path:
    """A test's own copy of the registry, so its promotions stay its own."""
    return Path(shutil.copytree(trained_models, tmp_path / "models"))


@pytest.fixture
def inbox(tmp_path: Path, dejavu_font: Path) -> Path:
    return make_inbox(tmp_path / "inbox", dejavu_font)


@pytest.fixture(scope="session")
def good_files() -> dict[str, list[str]]:
    """The good files of ``inbox``: name -> labels its text carries."""
    return dict(GOOD_FILES)


@pytest.fixture(scope="session")
def bad_files() -> set[str]:
    return set(BAD_FILES)


@pytest.fixture(scope="session")
def inbox_maker(dejavu_font: Path):
    """``make(folder, copies=1, bad=True)``: an inbox with ``copies`` variants of each good file."""
    return lambda folder, copies=1, bad=True: make_inbox(folder, dejavu_font, copies, bad)


@pytest.fixture(scope="session")
def latest_artifact():
    """``latest_artifact(key)``: the newest artifact under ``key``, a table as rows, else text.

    Asked over HTTP: this Prefect's client sends explicit nulls for unset filters, which its
    server refuses.
    """

    def read(key: str):
        with get_client(sync_client=True) as client:
            response = client.request(
                "POST",
                "/artifacts/latest/filter",
                json={"artifacts": {"key": {"any_": [key]}}, "limit": 1},
            )
        (artifact,) = response.json()
        return json.loads(artifact["data"]) if artifact["type"] == "table" else artifact["data"]

    return read
