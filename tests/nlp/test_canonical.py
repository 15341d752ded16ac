"""Canonical entity names: inflected forms, defined acronyms and lone kind words as one name."""

from __future__ import annotations

import pytest

from cluster_nlp.nlp.canonical import (
    acronym_definitions,
    canonical_names,
    is_lone_kind,
    nominative,
)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Московском инновационном кластере", "Московский инновационный кластер"),
        ("Московского инновационного кластера", "Московский инновационный кластер"),
        ("Томской области", "Томская область"),
        ("Фонда содействия инновациям", "Фонд содействия инновациям"),
        (
            "Омского государственного технического университета",
            "Омский государственный технический университет",
        ),
        ("инновационных территориальных кластеров", "инновационные территориальные кластеры"),
        ("ОмГТУ", "ОмГТУ"),
        ("AI Sweden", "AI Sweden"),
        ("Сколково", "Сколково"),
    ],
)
def test_nominative(phrase: str, expected: str):
    assert nominative(phrase) == expected


@pytest.mark.parametrize(
    ("text", "acronym", "full_name"),
    [
        (
            "Омский государственный технический университет (ОмГТУ) открыл центр.",
            "ОмГТУ",
            "Омский государственный технический университет",
        ),
        (
            "учёные Московского института стали и сплавов (МИСиС)",
            "МИСиС",
            "Московского института стали и сплавов",
        ),
        ("the European Investment Fund (EIF) invested", "EIF", "European Investment Fund"),
        ("Фонд содействия инновациям (ФСИ) выдал грант", "ФСИ", "Фонд содействия инновациям"),
    ],
)
def test_acronym_definitions(text: str, acronym: str, full_name: str):
    assert acronym_definitions(text)[acronym] == full_name


@pytest.mark.parametrize(
    "text", ["В 2021 году (ВВП) вырос.", "модель (GPT) обучена", "Кластер (см. выше)"]
)
def test_brackets_that_define_nothing(text: str):
    assert acronym_definitions(text) == {}


TEXT = (
    "Омский государственный технический университет (ОмГТУ) и Фонд содействия инновациям "
    "работают в Московском инновационном кластере."
)


@pytest.mark.parametrize(
    ("label", "mention", "canonical"),
    [
        ("ORG", "ОмГТУ", "Омский государственный технический университет"),
        (
            "ORG",
            "Омского государственного технического университета",
            "Омский государственный технический университет",
        ),
        ("ORG", "Фонда", "Фонд содействия инновациям"),
        ("CLUSTER", "Московского инновационного кластера", "Московский инновационный кластер"),
        ("CLUSTER", "Московском инновационном кластере", "Московский инновационный кластер"),
    ],
)
def test_canonical_names_link_forms_of_one_entity(label: str, mention: str, canonical: str):
    mentions = [("ORG", "Фонд содействия инновациям"), (label, mention)]
    assert canonical_names(TEXT, mentions)[-1] == canonical


@pytest.mark.parametrize(
    ("word", "lone"),
    [
        ("Фонда", True),
        ("Центра", True),
        ("фонда", False),
        ("Фонд развития", False),
        ("ФРИИ", False),
        ("Томска", False),
    ],
)
def test_is_lone_kind(word: str, lone: bool):
    assert is_lone_kind(word) is lone
