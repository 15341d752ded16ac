"""Which passages are prose: punctuation, headings, URLs and reference lists never are."""

from __future__ import annotations

import pytest

from cluster_nlp.classify.content import content_indices, content_text, is_prose
from cluster_nlp.classify.settings import load_classify_settings


@pytest.fixture(scope="module")
def content():
    return load_classify_settings().content


@pytest.mark.parametrize(
    "passage",
    [
        "./!",
        ")",
        "REFERENCES",
        "Список литературы",
        "2. Основные направления работы",
        "https://example.org/reports/2024/ai-cluster-annual-report.pdf",
        "¹ См.: https://example.org/news/12345 (дата обращения: 01.02.2024)",
        "[12] Smith, J. (2019). Regional clusters and innovation. Research Policy, 48(3), 1-20.",
        "Иванов И.И. Кластерная политика в регионах // Вопросы экономики. 2020. № 3. С. 45–60.",
        "Brown, T., et al. (2021) Innovation hubs. doi:10.1000/xyz123",
        "x = 0.25 + 3.1 * (y - 2) / 4 = 17.5 ± 0.3",
        "Главная | Новости | Контакты",
    ],
)
def test_debris_headings_urls_and_references_are_not_prose(passage, content):
    assert not is_prose(passage, content)


@pytest.mark.parametrize(
    "passage",
    [
        "The cluster brings together twelve companies and two universities around applied AI.",
        "Кластер объединил университеты и компании региона вокруг прикладного ИИ.",
        "Участники консорциума подписали соглашение о совместных исследованиях в 2023 году.",
    ],
)
def test_sentences_are_prose(passage, content):
    assert is_prose(passage, content)


def test_everything_after_a_late_reference_heading_is_cut(content):
    passages = [
        "The regional cluster coordinates companies, universities and the city government.",
        "It runs a training programme for engineers and an annual conference on AI.",
        "Its members signed a partnership agreement on shared computing resources.",
        "References",
        "The article by a colleague of ours discusses regional clusters at great length here.",
    ]
    assert content_indices(passages, content) == [0, 1, 2]


def test_an_early_heading_of_that_name_does_not_cut_the_text(content):
    passages = [
        "Literature",
        "The regional cluster coordinates companies, universities and the city government.",
        "It runs a training programme for engineers and an annual conference on AI.",
    ]
    assert content_indices(passages, content) == [1, 2]


def test_content_text_keeps_prose_blocks_in_order_and_never_returns_nothing(content):
    prose = "The regional cluster coordinates companies, universities and the city government."
    assert content_text(f"# Title\n\n{prose}\n\n)", content) == prose
    assert content_text("./!", content) == "./!"
