"""The relevance decision: off-topic documents stay untagged."""

from __future__ import annotations

import pytest

from cluster_nlp.classify.relevance import relevance
from cluster_nlp.classify.settings import load_classify_settings


@pytest.fixture(scope="module")
def settings():
    return load_classify_settings().relevance


@pytest.mark.parametrize(
    ("text", "relevant"),
    [
        ("В Новосибирске открылся кластер искусственного интеллекта при университете.", True),
        ("The city launched an AI hub for start-ups and researchers.", True),
        ("Региональная программа поддержки ИИ включает акселератор и гранты.", True),
        # a cluster of another industry: no AI named
        ("Туристический кластер на Байкале объединил гостиницы и турагентства региона.", False),
        # AI without any organised structure named
        ("The new language model writes poems and answers questions in French.", False),
        # the statistical sense of "cluster", with maximum likelihood ("ML")
        ("Кластерный анализ и кластеризация наблюдений; оценки ML и МНК совпадают.", False),
        ("Standard errors are cluster-robust; neural network baselines are reported.", False),
        # a report number, not AI
        ("See the preliminary report AI-01/19 and the maintenance program for the fleet.", False),
        ("", False),
    ],
)
def test_relevance_decision(text, relevant, settings):
    assert relevance(text, settings).relevant is relevant


def test_a_long_text_naming_ai_in_passing_is_not_about_it(settings):
    filler = "Цены на электроэнергию снизились, а спрос промышленности остался прежним. " * 300
    passing = "Одна программа упоминает искусственный интеллект. "
    decision = relevance(passing + filler, settings)
    assert decision.ai_mentions == 1 and not decision.relevant
    assert relevance(passing, settings).relevant


def test_the_score_grows_with_topical_mentions(settings):
    one = relevance("An AI cluster.", settings).score
    three = relevance("An AI cluster. An AI hub. An AI network.", settings).score
    assert 0 < one < three < 1
