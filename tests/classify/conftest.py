"""A tiny taxonomy and corpus made by the tests: two or three labels per group.

Training is the slow part, so one tiny model version is trained per session
(``trained_models``, the word model alone); a test that changes a model works on its own copy
(``models_copy``). Models with embedding scores get ``HashedWordsEmbedder`` through their
``embedder`` parameter, so no unit test waits for the e5 engine (``test_embeddings`` checks
the engine itself).
"""

from __future__ import annotations

import json
import random
import re
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml

from cluster_nlp.classify.train import train_and_register
from cluster_nlp.taxonomy import load_taxonomy

LABELS = {
    "formation_type": {
        "territorial": ["технопарк", "академгородок"],
        "national_network": ["общероссийская сеть", "national network"],
    },
    "functions": {
        "startup_support": ["акселератор", "startups"],
        "education_training": ["образовательные программы", "training"],
        "events_popularization": ["хакатон", "conference"],
    },
    "institutional_forms": {
        "association": ["ассоциация", "association"],
        "consortium": ["консорциум", "consortium"],
    },
}

# Sentences that carry each label, in both languages, several wordings each.
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
    "Подробности доступны у организаторов.",
    "The report summarises the year.",
    "Further details are available on request.",
]


def taxonomy_yaml() -> dict:
    packaged = yaml.safe_load(load_taxonomy().model_dump_json())
    groups = []
    for group in packaged["groups"]:
        kept = [label for label in group["labels"] if label["id"] in LABELS[group["id"]]]
        for label in kept:
            label["cues"] = {
                "ru": [cue for cue in LABELS[group["id"]][label["id"]] if not cue.isascii()],
                "en": [cue for cue in LABELS[group["id"]][label["id"]] if cue.isascii()],
            }
        groups.append({**group, "labels": kept})
    return {**packaged, "groups": groups}


# The session's model is the word model alone: no embedder is needed to train or load it.
TINY_PARAMS = {"cv": 3, "passage_weights": (0.0,), "prototype_weights": (0.0,)}


class HashedWordsEmbedder:
    """A cheap stand-in for e5: a text is the normalised sum of one fixed random vector per
    word stem (its first five letters), so texts that share stems are close, in any order."""

    dimension = 384

    def __init__(self) -> None:
        self.texts_seen = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension)
        for word in re.findall(r"\w+", text.lower()):
            seed = zlib.crc32(word[:5].encode("utf-8"))
            vector += np.random.default_rng(seed).standard_normal(self.dimension)
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.texts_seen += len(texts)
        rows = [self._vector(text) for text in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.passages(texts)


@pytest.fixture
def fake_embedder() -> HashedWordsEmbedder:
    return HashedWordsEmbedder()


TINY_VERSION = "v1"


@pytest.fixture(scope="session")
def tiny_taxonomy_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("taxonomy") / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(taxonomy_yaml(), allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_taxonomy(tiny_taxonomy_path: Path):
    return load_taxonomy(tiny_taxonomy_path)


def make_corpus(folder: Path, documents: int = 48, seed: int = 7) -> Path:
    """Documents whose labels are the labels of the sentences they are made of."""
    rng = random.Random(seed)
    (folder / "src").mkdir(parents=True)
    records = []
    for number in range(documents):
        chosen = {
            group: rng.sample(sorted(ids), k=rng.randint(0, min(2, len(ids))))
            for group, ids in LABELS.items()
        }
        chosen["formation_type"] = chosen["formation_type"][:1]
        sentences = [rng.choice(SENTENCES[label]) for ids in chosen.values() for label in ids]
        sentences += rng.sample(FILLER, 2)
        rng.shuffle(sentences)
        doc_id = f"t-{number:03d}"
        lang = "ru" if number % 3 else "en"
        body = " ".join(sentences)
        (folder / "src" / f"{doc_id}.md").write_text(f"# Документ {number}\n\n{body}\n", "utf-8")
        records.append(
            {
                "doc_id": doc_id,
                "path": f"pdf/{doc_id}.pdf",
                "source": f"src/{doc_id}.md",
                "lang": lang,
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


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A corpus of the test's own, free to edit."""
    return make_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def shared_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same corpus for the whole session: read it, never change it."""
    return make_corpus(tmp_path_factory.mktemp("shared") / "corpus")


@pytest.fixture(scope="session")
def tiny_params() -> dict:
    """Classifier parameters for tiny corpora (three folds, not five)."""
    return dict(TINY_PARAMS)


@pytest.fixture(scope="session")
def trained_models(shared_corpus: Path, tiny_taxonomy, tmp_path_factory) -> Path:
    """A registry holding version ``v1`` trained on ``shared_corpus``; never change it."""
    models = tmp_path_factory.mktemp("trained") / "models"
    train_and_register(shared_corpus, tiny_taxonomy, models, TINY_PARAMS, version=TINY_VERSION)
    return models


@pytest.fixture
def models_copy(trained_models: Path, tmp_path: Path) -> Path:
    """A copy of ``trained_models`` that the test may change."""
    return Path(shutil.copytree(trained_models, tmp_path / "models"))
