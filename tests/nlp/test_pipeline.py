"""The rule-and-natasha pipelines find each pattern family in Russian and English."""

from __future__ import annotations

from functools import cache

import pytest

from cluster_nlp.nlp.pipeline import PatternError, build_pipeline, term_patterns


@cache
def rules(lang: str):
    return build_pipeline(lang, "rules")


def entities(lang: str, text: str) -> set[tuple[str, str]]:
    return {(span.text, span.label_) for span in rules(lang)(text).ents}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ru", "Инвестиции составили $291 млн.", ("$291 млн", "MONEY")),
        ("ru", "Бюджет — 290 миллионов долларов США.", ("290 миллионов долларов США", "MONEY")),
        ("ru", "Рынок оценивается в $14,3 млрд к 2025 году.", ("$14,3 млрд", "MONEY")),
        ("ru", "На проект выделено 1,2 млрд рублей.", ("1,2 млрд рублей", "MONEY")),
        ("ru", "Грант до 500 тыс. рублей.", ("500 тыс. рублей", "MONEY")),
        ("ru", "Гранты по 10–15 млн рублей.", ("10–15 млн рублей", "MONEY")),
        ("ru", "Фонд вложил 210 млрд вон.", ("210 млрд вон", "MONEY")),
        ("ru", "Доля выросла на 0,5 % за год.", ("0,5 %", "PERCENT")),
        ("ru", "Снижение на 12 процентов.", ("12 процентов", "PERCENT")),
        ("ru", "Соглашение подписано 21 июля 2021 г. в Москве.", ("21 июля 2021 г.", "DATE")),
        ("ru", "Кластер создан в 2019 году.", ("2019 году", "DATE")),
        ("ru", "Работы начались в марте 2023 года.", ("марте 2023 года", "DATE")),
        ("ru", "Отчёт от 21.07.2021 утверждён.", ("21.07.2021", "DATE")),
        ("en", "The fund raised $14.3 billion last year.", ("$14.3 billion", "MONEY")),
        ("en", "A grant of EUR 5 million was approved.", ("EUR 5 million", "MONEY")),
        ("en", "Signed on July 21, 2021 in Oslo.", ("July 21, 2021", "DATE")),
        ("en", "Revenue grew 12% in 2023.", ("12%", "PERCENT")),
        ("en", "Revenue grew 12% in 2023.", ("2023", "DATE")),
    ],
)
def test_numeric_patterns(lang, text, expected):
    assert expected in entities(lang, text)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ru", "Развивается компьютерное зрение.", ("компьютерное зрение", "AI_TECH")),
        ("ru", "Методы компьютерного зрения внедряются.", ("компьютерного зрения", "AI_TECH")),
        ("ru", "Проекты в области телемедицины.", ("телемедицины", "INDUSTRY")),
        (
            "ru",
            "Указ Президента Российской Федерации от 10 октября 2019 г. № 490 определил цели.",
            ("Указ Президента Российской Федерации от 10 октября 2019 г. № 490", "LAW"),
        ),
        (
            "ru",
            "Программа «Цифровая экономика Российской Федерации» действует.",
            ("Программа «Цифровая экономика Российской Федерации»", "LAW"),
        ),
        (
            "ru",
            "Это федеральный проект «Искусственный интеллект».",
            ("федеральный проект «Искусственный интеллект»", "LAW"),
        ),
        ("ru", "В «Кластер ИИ» вошли сорок компаний.", ("«Кластер ИИ»", "CLUSTER")),
        # With its legal form the cluster's name is the organisation that runs it.
        ("ru", "Её создал АНО «Кластер ИИ» весной.", ("АНО «Кластер ИИ»", "ORG")),
        (
            "ru",
            "Резиденты Московского инновационного кластера.",
            ("Московского инновационного кластера", "CLUSTER"),
        ),
        ("en", "Bremen AI connects firms.", ("Bremen AI", "CLUSTER")),
        (
            "en",
            "Work on natural language processing for fintech.",
            ("natural language processing", "AI_TECH"),
        ),
        ("en", "Work on natural language processing for fintech.", ("fintech", "INDUSTRY")),
    ],
)
def test_domain_terms_match_inflected_forms(lang, text, expected):
    assert expected in entities(lang, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кластер работает в Новосибирске.", ("Новосибирске", "LOC")),
        ("Сотрудничество с Норвегией и Казахстаном.", ("Норвегией", "LOC")),
        ("Соглашение со Сбербанком подписал Герман Греф.", ("Герман Греф", "PER")),
    ],
)
def test_natasha_finds_people_places_organisations(text, expected):
    assert expected in entities("ru", text)


def test_every_entity_says_which_component_found_it():
    doc = rules("ru")("В Новосибирске привлекли $291 млн.")
    assert {span.id_.split(":")[0] for span in doc.ents} == {"natasha_ner", "entity_ruler"}


def test_natasha_keeps_what_it_found_for_later_components():
    doc = rules("ru")("Исследователи Центра искусственного интеллекта приехали в Казань.")
    assert {(span.text, span.label_) for span in doc.spans["natasha_ner"]} >= {("Казань", "LOC")}
    assert "org_boundaries" in rules("ru").pipe_names


def test_no_pipeline_for_unknown_language():
    with pytest.raises(ValueError, match="no entity pipeline"):
        build_pipeline("xx")


def test_malformed_terms_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "terms.yaml"
    path.write_text("LAW:\n  de: [Gesetz]\n", "utf-8")
    with pytest.raises(PatternError, match="LAW needs ru/en"):
        term_patterns("ru", path)
