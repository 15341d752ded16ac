"""Fixtures for the flow tests: Prefect's test server, a tiny taxonomy, corpus and models, inboxes.

These are the only tests that start Prefect (one test server for the session). The tiny
taxonomy and corpus follow ``tests/classify/conftest.py``: two or three labels per group, and
documents made of sentences that carry their labels.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.settings import (
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from cluster_nlp.classify.train import train_and_register
from cluster_nlp.registry import promote
from cluster_nlp.taxonomy import load_taxonomy

SERVER_STARTUP_S = 180  # the test server migrates a fresh database on a shared 2-core machine

LABELS = {
    "formation_type": ["territorial", "national_network"],
    "functions": ["startup_support", "education_training", "events_popularization"],
    "institutional_forms": ["association", "consortium"],
}
CUES = {
    "territorial": {"ru": ["технопарк"], "en": ["science park"]},
    "national_network": {"ru": ["общероссийская сеть"], "en": ["national network"]},
    "startup_support": {"ru": ["акселератор"], "en": ["startups"]},
    "education_training": {"ru": ["образовательные программы"], "en": ["training"]},
    "events_popularization": {"ru": ["хакатон"], "en": ["conference"]},
    "association": {"ru": ["ассоциация"], "en": ["association"]},
    "consortium": {"ru": ["консорциум"], "en": ["consortium"]},
}
SENTENCES = {
    "territorial": [
        "Кластер вырос вокруг университетов и институтов Академгородка в Новосибирске.",
        "Резиденты технопарка работают рядом с заводами региона и лабораториями.",
        "The cluster grew around the local science park and the region's universities.",
    ],
    "national_network": [
        "Участники из разных регионов страны объединены в общероссийскую сеть разработчиков.",
        "Платформа не привязана к территории и собирает компании со всей страны.",
        "A nationwide network links developers in every province without a home territory.",
    ],
    "startup_support": [
        "Акселератор отобрал двенадцать молодых команд и помог им найти первых заказчиков.",
        "Стартапы получают наставников и помещения на льготных условиях.",
        "The programme coaches early startups and finds them their first customers.",
    ],
    "education_training": [
        "Университеты открыли магистерские программы по анализу данных вместе с работодателями.",
        "Работодатели участвуют в подготовке специалистов и читают курсы студентам.",
        "Employers co-design degree programmes and training courses for students.",
    ],
    "events_popularization": [
        "Весной прошёл хакатон и открытые лекции для школьников и горожан.",
        "Ежегодная конференция собрала исследователей и инженеров со всей страны.",
        "A yearly conference and public talks bring the topic to a wide audience.",
    ],
    "association": [
        "Ассоциация объединяет компании отрасли, членство открыто для всех участников рынка.",
        "Союз разработчиков принимает новых членов и представляет их интересы.",
        "The industry association admits member firms and speaks for them.",
    ],
    "consortium": [
        "Консорциум университетов и компаний подписал договор о совместных исследованиях.",
        "Участники консорциума распределили работы по общему проекту.",
        "A consortium of universities and firms shares one joint research agenda.",
    ],
}
FILLER = [
    "Отчёт подготовлен по итогам года.",
    "В документе приведены основные результаты.",
    "The report summarises the year.",
]
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


def taxonomy_yaml() -> dict:
    packaged = yaml.safe_load(load_taxonomy().model_dump_json())
    groups = []
    for group in packaged["groups"]:
        kept = [label for label in group["labels"] if label["id"] in LABELS[group["id"]]]
        groups.append({**group, "labels": [{**label, "cues": CUES[label["id"]]} for label in kept]})
    return {**packaged, "groups": groups}


def make_corpus(folder: Path, documents: int = 48, seed: int = 7) -> Path:
    """A labels file whose documents carry the labels of the sentences they are made of."""
    rng = random.Random(seed)
    (folder / "src").mkdir(parents=True)
    records = []
    for number in range(documents):
        chosen = {
            group: rng.sample(ids, k=rng.randint(0, min(2, len(ids))))
            for group, ids in LABELS.items()
        }
        chosen["formation_type"] = chosen["formation_type"][:1]
        sentences = [rng.choice(SENTENCES[label]) for ids in chosen.values() for label in ids]
        sentences += rng.sample(FILLER, 2)
        rng.shuffle(sentences)
        doc_id = f"t-{number:03d}"
        (folder / "src" / f"{doc_id}.md").write_text(
            f"# Документ {number}\n\n{' '.join(sentences)}\n", "utf-8"
        )
        records.append(
            {
                "doc_id": doc_id,
                "path": f"pdf/{doc_id}.pdf",
                "source": f"src/{doc_id}.md",
                "lang": "en" if number % 3 == 0 else "ru",
                "genre": "news" if number % 2 else "annual_report",
                "split": "test" if number % 4 == 0 else "train",
                **chosen,
                "entities": None,
                "illustrative": [],
            }
        )
    labels = folder / "labels.jsonl"
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return labels


def text_of(name: str, labels: list[str], variant: int = 0) -> str:
    """Sentences carrying ``labels``: Russian ones, or the English one for ``*-en`` names."""
    pick = 2 if "-en" in name else variant % 2
    return " ".join(SENTENCES[label][pick] for label in labels)


def write_pdf(path: Path, font: Path, text: str) -> None:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setFont("DejaVuSans", 10)
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
    path = tmp_path_factory.mktemp("taxonomy") / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(taxonomy_yaml(), allow_unicode=True), "utf-8")
    return path


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
