"""Small taxonomies, requirements and corpora made in tmp_path for the corpus tooling tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cluster_nlp.corpus.requirements import CorpusRequirements
from cluster_nlp.taxonomy import GROUPS, Taxonomy, load_taxonomy

REPO_ROOT = Path(__file__).resolve().parents[2]

# Two labels per group are enough to exercise every rule; the ids are fixture data.
FIXTURE_LABELS = {
    "formation_type": ["local", "network"],
    "functions": ["training", "startups"],
    "institutional_forms": ["agency", "fund"],
}
FIXTURE_ENTITY_TYPES = ["ORG", "LOC", "DATE", "MONEY"]


@pytest.fixture
def taxonomy(tmp_path: Path) -> Taxonomy:
    data = {
        "name": "fixture taxonomy",
        "groups": [
            {
                "id": group,
                "ru": f"группа {group}",
                "en": f"group {group}",
                "definition": "A fixture group.",
                "labels": [
                    {
                        "id": label_id,
                        "ru": f"метка {label_id}",
                        "en": f"label {label_id}",
                        "definition": f"Fixture label {label_id}.",
                        "cues": {"ru": [label_id], "en": [label_id]},
                    }
                    for label_id in FIXTURE_LABELS[group]
                ],
            }
            for group in GROUPS
        ],
        "entity_types": [
            {
                "id": etype,
                "ru": etype.lower(),
                "en": etype.lower(),
                "definition": f"{etype} mentions.",
            }
            for etype in FIXTURE_ENTITY_TYPES
        ],
    }
    path = tmp_path / "fixture-taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_taxonomy(path)


@pytest.fixture
def requirements() -> CorpusRequirements:
    """Thresholds a tiny corpus can meet; tests tighten one at a time."""
    return CorpusRequirements(
        min_documents=4,
        min_share_ru=0.5,
        min_docs_per_label=1,
        min_docs_with_entities=1,
        min_docs_with_entities_per_lang=0,
        test_share=0.25,
        min_negative_documents=1,
        negative_max_labels=1,
    )


def draft_line(
    doc_id: str,
    lang: str = "ru",
    formation_type: list[str] | None = None,
    functions: list[str] | None = None,
    institutional_forms: list[str] | None = None,
    entities: list[tuple[str, str]] | None = None,
    genre: str = "news",
) -> dict:
    return {
        "doc_id": doc_id,
        "lang": lang,
        "genre": genre,
        "formation_type": formation_type or [],
        "functions": functions or [],
        "institutional_forms": institutional_forms or [],
        "entities": None
        if entities is None
        else [{"text": t, "label": lab} for t, lab in entities],
        "illustrative": [],
    }


@pytest.fixture
def make_draft() -> Callable[..., dict]:
    return draft_line


@pytest.fixture
def write_corpus(tmp_path: Path) -> Callable[[dict[str, str], list[dict], str], tuple[Path, Path]]:
    """Write markdown sources and one draft file; returns (corpus dir, draft path)."""

    def write(
        sources: dict[str, str], drafts: list[dict], name: str = "batch"
    ) -> tuple[Path, Path]:
        corpus = tmp_path / "corpus"
        (corpus / "src").mkdir(parents=True, exist_ok=True)
        (corpus / "drafts").mkdir(exist_ok=True)
        for doc_id, markdown in sources.items():
            (corpus / "src" / f"{doc_id}.md").write_text(markdown, encoding="utf-8")
        draft = corpus / "drafts" / f"{name}.jsonl"
        draft.write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drafts), encoding="utf-8"
        )
        return corpus, draft

    return write


SMALL_SOURCES = {
    "ru-001": (
        "# Кластер в Томске\n\nВ Томске в 2021 году АНО «Томский кластер» открыла курсы для "
        "инженеров.\n\nТомская область выделила 10 млн рублей.\n"
    ),
    "ru-002": "# Сеть разработчиков\n\nАссоциация объединяет компании по всей стране.\n",
    "ru-003": "# Ремонт дорог\n\nВ Казани отремонтировали три улицы.\n",
    "en-001": "# A fund for founders\n\nThe Oslo fund backed twelve startups in 2020.\n",
}


@pytest.fixture
def small_corpus(write_corpus, make_draft) -> tuple[Path, Path]:
    """Four documents covering every fixture label, a negative one and both languages."""
    drafts = [
        make_draft(
            "ru-001",
            formation_type=["local"],
            functions=["training"],
            institutional_forms=["agency"],
            entities=[
                ("Томске", "LOC"),
                ("2021 году", "DATE"),
                ("АНО «Томский кластер»", "ORG"),
                ("Томская область", "LOC"),
                ("10 млн рублей", "MONEY"),
            ],
        ),
        make_draft(
            "ru-002",
            formation_type=["network"],
            functions=["startups"],
            institutional_forms=["fund"],
        ),
        make_draft("ru-003", genre="news"),
        make_draft(
            "en-001",
            lang="en",
            formation_type=["local"],
            functions=["startups"],
            institutional_forms=["fund"],
            entities=[("Oslo", "LOC"), ("2020", "DATE")],
        ),
    ]
    return write_corpus(SMALL_SOURCES, drafts)
