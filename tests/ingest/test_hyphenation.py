"""Joining the lines of a paragraph: which hyphens at a line end go, and which stay."""

from __future__ import annotations

import pytest

from cluster_nlp.ingest.hyphenation import join_lines, keeps_hyphen


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("Процесс кластер-", "изации начался", "Процесс кластеризации начался"),
        ("развитие научно-", "образовательной среды", "развитие научно-образовательной среды"),
        ("развитие инфра-", "структуры", "развитие инфраструктуры"),
        ("кто-", "нибудь придёт", "кто-нибудь придёт"),
        ("давай-", "ка начнём", "давай-ка начнём"),
        ("поликлини-", "ка и магазины", "поликлиника и магазины"),
        ("как-", "то раз", "как-то раз"),
        ("на северо-", "западе", "на северо-западе"),
        ("город Санкт-", "Петербург", "город Санкт-Петербург"),
        ("the COVID-", "19 crisis", "the COVID-19 crisis"),
        ("more infor-", "mation here", "more information here"),
        ("Кластер\u00ad", "изация", "Кластеризация"),
        ("an open ques\u2010", "tion", "an open question"),
        ("слово -", "продолжение", "слово - продолжение"),
        ("сумма 5-", "10 рублей", "сумма 5- 10 рублей"),
        ("plain", "text", "plain text"),
        ("trailing  ", "  spaces", "trailing spaces"),
        ("", "only right", "only right"),
    ],
)
def test_join_lines(left, right, joined):
    assert join_lines(left, right) == joined


@pytest.mark.parametrize(
    ("head", "tail", "kept"),
    [
        ("кластер", "изации", False),  # the joined word is in the dictionary
        ("научно", "образовательной", True),  # two words, the first a compound head
        ("социально", "экономического", True),
        ("что", "то", True),  # a particle
        ("про", "цесс", False),  # fragments
        ("infor", "mation", False),  # a valid break in the English patterns
        ("e", "mail", True),  # not a place the English patterns would break
    ],
)
def test_keeps_hyphen(head, tail, kept):
    assert keeps_hyphen(head, tail) is kept
