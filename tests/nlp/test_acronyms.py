"""An organisation's acronym is tagged wherever it recurs in the document's passages."""

from __future__ import annotations

import pytest

from cluster_nlp.nlp.acronyms import is_acronym, recurring_acronyms


def spans(text: str, *mentions: tuple[str, str]) -> list[tuple[int, int, str]]:
    found = []
    for surface, label in mentions:
        start = text.index(surface)
        found.append((start, start + len(surface), label))
    return found


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("РАЭК", True),
        ("ОмГТУ", True),
        ("EIF", True),
        ("МИСиС", True),
        ("Фонд", False),
        ("ИТ-парк", False),
        ("5G", False),
        ("А", False),
        ("ВЫСОКОТЕХНОЛОГИЧНЫЕ", False),
    ],
)
def test_what_counts_as_an_acronym(word, expected):
    assert is_acronym(word) is expected


def test_an_acronym_tagged_once_is_tagged_where_it_recurs():
    first = "Омский государственный технический университет (ОмГТУ) открыл центр."
    second = "Студенты ОмГТУ и ОмГУ прошли стажировку; ОмГТУ-шники довольны."
    third = "ОмГТУ уже подписал соглашение."
    added = recurring_acronyms(
        [first, second, third],
        [
            spans(
                first, ("Омский государственный технический университет", "ORG"), ("ОмГТУ", "ORG")
            ),
            [],
            [],
        ],
    )
    assert added[0] == []  # already tagged there
    assert [second[start:end] for start, end, _ in added[1]] == ["ОмГТУ"]  # not inside a word
    assert added[2] == [(0, 5, "ORG")]


def test_an_acronym_tagged_as_something_else_somewhere_is_left_alone():
    first = "Соглашение подписали МФТИ и РФРИТ."
    second = "Позже РФРИТ выделил грант, а МФТИ отчитался."
    found = [spans(first, ("МФТИ", "ORG"), ("РФРИТ", "ORG")), spans(second, ("РФРИТ", "LAW"))]
    added = recurring_acronyms([first, second], found)
    assert [[second[s:e] for s, e, _ in extra] for extra in added] == [[], ["МФТИ"]]


def test_no_acronym_no_change():
    assert recurring_acronyms(["Текст.", "Ещё."], [[], []]) == [[], []]
