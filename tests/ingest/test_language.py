"""Language of passages: the Cyrillic-share rule, then py3langid."""

from __future__ import annotations

import pytest

from cluster_nlp.ingest.language import UNDETERMINED, detect, detect_many


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Новосибирский кластер искусственного интеллекта объединяет университеты.", "ru"),
        ("Кластер ИИ", UNDETERMINED),  # too short to tell
        ("AI Sweden opened a new hub in Gothenburg together with industry partners.", "en"),
        ("Le plan de mobilité durable de Chelsea prévoit des sentiers cyclables.", "fr"),
        ("Бюджет України на наступний рік затверджено Верховною Радою.", "uk"),
        ("Hanoroo6no>KeHVIS noJI CyMMa Hanora ynpo111eHHOali CliiCTeMbl", "en"),  # unsure: fallback
        ("3.1.4 — 12,5 % (2024)", UNDETERMINED),
    ],
)
def test_detect(text, language):
    assert detect(text) == language


def test_detect_many_judges_cyrillic_passages_alone_and_shares_the_rest():
    texts = [
        "Новосибирский кластер искусственного интеллекта объединяет университеты.",
        "The cluster brings together universities and companies of the region.",
        "Short",
        "A second English paragraph about research institutes in the same region.",
    ]
    assert detect_many(texts) == ["ru", "en", None, "en"]
    assert detect_many([]) == []
