"""The tiny taxonomy and corpus that the classifier and flow tests train on.

Two or three labels per group, and documents made of sentences that carry their labels, in
Russian and English, so a tiny model can learn them in seconds.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

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


def write_taxonomy(folder: Path) -> Path:
    path = folder / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(taxonomy_yaml(), allow_unicode=True), "utf-8")
    return path


# What makes a document relevant (see data/classify.yaml, relevance): AI and a structure named.
TOPIC = {
    "ru": "Речь идёт о кластере искусственного интеллекта.",
    "en": "This is about an artificial intelligence cluster.",
}


def rationales_of(source: str, chosen: dict[str, list[str]]) -> dict[str, list[dict]]:
    """Each chosen label's first sentence of its own kind in ``source``, as a rationale."""
    found = {}
    for ids in chosen.values():
        for label in ids:
            start = min(
                source.find(sentence) for sentence in SENTENCES[label] if sentence in source
            )
            text = next(sentence for sentence in SENTENCES[label] if source.find(sentence) == start)
            found[label] = [{"start": start, "end": start + len(text), "text": text}]
    return found


def make_corpus(
    folder: Path, documents: int = 48, seed: int = 7, with_rationales: bool = False
) -> Path:
    """Documents whose labels are the labels of the sentences they are made of; with
    ``with_rationales``, each label's sentence is its rationale (offsets into the source)."""
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
        if any(chosen.values()):  # a document with labels is about an AI cluster at all
            sentences.insert(0, TOPIC[lang])
        body = " ".join(sentences)
        source = f"# Документ {number}\n\n{body}\n"
        (folder / "src" / f"{doc_id}.md").write_text(source, "utf-8")
        extra = {"rationales": rationales_of(source, chosen)} if with_rationales else {}
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
                **extra,
            }
        )
    labels = folder / "labels.jsonl"
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return labels
