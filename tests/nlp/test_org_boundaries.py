"""org_boundaries repairs Russian ORG spans by the corpus's conventions, rule by rule."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from cluster_nlp.nlp.pipeline import build_pipeline

NATASHA = "natasha_ner"  # the span group natasha_ner keeps its own spans in


@pytest.fixture(scope="module")
def lemmas() -> Language:
    """Tokenizer and pymorphy3 lemmas, as in the rules pipeline, with nothing tagging."""
    nlp = spacy.blank("ru")
    nlp.add_pipe("lemmatizer", config={"mode": "pymorphy3"})
    nlp.initialize()
    return nlp


@pytest.fixture(scope="module")
def component(lemmas: Language):
    return lemmas.add_pipe("org_boundaries", last=True)


def _doc_with(
    lemmas: Language,
    text: str,
    ents: list[tuple[str, str]],
    source: str = NATASHA,
    natasha: list[tuple[str, str]] | None = None,
) -> Doc:
    """``text`` with ``ents`` ((substring, label), first occurrence) set as another component
    would have left them; ``natasha``: what natasha found before the ruler overwrote it."""
    with lemmas.select_pipes(enable=["lemmatizer"]):
        doc = lemmas(text)

    def span(phrase: str, label: str, span_id: str):
        start = text.index(phrase)
        found = doc.char_span(start, start + len(phrase), label=label, span_id=span_id)
        assert found is not None, f"{phrase!r} is not on token boundaries"
        return found

    doc.ents = [span(phrase, label, source) for phrase, label in ents]
    doc.spans[NATASHA] = [span(p, label, NATASHA) for p, label in natasha or ents]
    return doc


def _repaired(component, doc: Doc) -> list[tuple[str, str]]:
    return [(span.text, span.label_) for span in component(doc).ents]


@pytest.mark.parametrize(
    ("text", "ents", "expected_orgs"),
    [
        # A heading, a common noun, a lone legal form or field abbreviation is no organisation.
        ("Исследовательские центры", [("Исследовательские центры", "ORG")], []),
        ("Представитель ИТ-компании выступил.", [("ИТ-компании", "ORG")], []),
        ("Форма АНО даёт субъектность.", [("АНО", "ORG")], []),
        ("Резиденты ОЭЗ платят меньше.", [("ОЭЗ", "ORG")], []),
        ("ПОСТАНОВИЛИ: одобрить заявку.", [("ПОСТАНОВИЛИ", "ORG")], []),
        ("Карьеру в ИИ можно построить.", [("ИИ", "ORG")], []),
        ("Координационный совет соберётся в мае.", [("Координационный совет", "ORG")], []),
        # ... but a capitalised kind alone, or a singular kind opening a sentence, is one.
        ("Фонд помогает авторам.", [("Фонд", "ORG")], ["Фонд"]),
        (
            "Федеральная налоговая служба разъяснила порядок.",
            [("Федеральная налоговая служба", "ORG")],
            ["Федеральная налоговая служба"],
        ),
        # An acronym in parentheses is a mention of its own.
        (
            "Кластер Российской ассоциации электронных коммуникаций (РАЭК) растёт.",
            [("Российской ассоциации электронных коммуникаций (РАЭК)", "ORG")],
            ["Российской ассоциации электронных коммуникаций", "РАЭК"],
        ),
        (
            "Выпускники Омского государственного технического университета (ОмГТУ) пришли.",
            [("Омского государственного технического университета (ОмГТУ", "ORG")],
            ["Омского государственного технического университета", "ОмГТУ"],
        ),
        (
            "Доклад Ассоциации больших данных (АБД) вышел.",
            [("Ассоциации больших данных", "ORG")],
            ["Ассоциации больших данных", "АБД"],
        ),
        # Common words before the name are not part of it.
        (
            "Это технопарк IT-стартапов Astana Hub.",
            [("IT-стартапов Astana Hub", "ORG")],
            ["Astana Hub"],
        ),
        ("Пресс-релиз Альянса вышел вчера.", [("Пресс-релиз Альянса", "ORG")], ["Альянса"]),
        # Guillemets: a name that opens one closes it; a quoted name includes them.
        (
            "Суд отказал ООО «Северный квартал» в иске.",
            [("ООО «Северный квартал", "ORG")],
            ["ООО «Северный квартал»"],
        ),
        ("Во-первых, «РУССОФТ» собирает данные.", [("РУССОФТ", "ORG")], ["«РУССОФТ»"]),
        # Before the guillemets: a description stays out, a capitalised kind or status is in.
        (
            "О роли ассоциации «РУССОФТ» в отрасли.",
            [("ассоциации «РУССОФТ»", "ORG")],
            ["«РУССОФТ»"],
        ),
        (
            "Договор подписала ИТ-компания «Горные данные» из Кемерова.",
            [("ИТ-компания «Горные данные", "ORG")],
            ["«Горные данные»"],
        ),
        (
            "Управляет им Фонд «Московский инновационный кластер» с 2022 года.",
            [("Фонд «Московский инновационный кластер»", "ORG")],
            ["Фонд «Московский инновационный кластер»"],
        ),
        (
            "В 2019 году Научно-образовательный центр «Кузбасс» объединил вузы.",
            [("Кузбасс", "ORG")],
            ["Научно-образовательный центр «Кузбасс»"],
        ),
        (
            "Слово взял представитель дирекции особой экономической зоны «Иннополис».",
            [("Иннополис", "LOC")],
            ["особой экономической зоны «Иннополис»"],
        ),
        (
            "Они подписали соглашение о консорциуме «Умная шахта» в сентябре.",
            [],
            ["«Умная шахта»"],
        ),
        (
            "Резидентом ОЭЗ «Ульяновск» стала компания.",
            [("Ульяновск", "LOC")],
            ["ОЭЗ «Ульяновск»"],
        ),
        (
            "Реле выпускает ООО НПП «ЭКРА» в Чебоксарах.",
            [("НПП «ЭКРА»", "ORG")],
            ["ООО НПП «ЭКРА»"],
        ),
        (
            "Партнёр (МГТУ им. Н. Э. Баумана) прислал отзыв.",
            [("МГТУ им. Н. Э. Баумана)", "ORG")],
            ["МГТУ им. Н. Э. Баумана"],
        ),
        (
            "Площадку дал Технопарк «Жигулёвская долина» в Тольятти.",
            [("Технопарк", "ORG")],
            ["Технопарк «Жигулёвская долина»"],
        ),
        # A lower-case kind keeps a place a place, unless the kind names the organisation's
        # type; a verb between means no kind at all.
        ("Заводы работают в индустриальном парке «Ворсино».", [("Ворсино", "LOC")], []),
        (
            "Резиденты технопарка «Саров» растут.",
            [("Саров", "ORG")],
            ["технопарка «Саров»"],
        ),
        (
            "Проект ведёт автономная некоммерческая организация «Центр развития».",
            [("Центр развития", "ORG")],
            ["автономная некоммерческая организация «Центр развития»"],
        ),
        ("Данные дал НИУ «БелГУ» в марте.", [("НИУ", "ORG"), ("БелГУ", "ORG")], ["НИУ «БелГУ»"]),
        ("Университет запустил «Школу данных» осенью.", [("Университет", "ORG")], ["Университет"]),
        # A thing that is not an organisation, named in guillemets.
        ("Данные о поездках по картам «Тройка» обезличены.", [("Тройка", "ORG")], []),
        # Two parts of one name side by side, or joined by "при", are one name.
        (
            "Его создал Институт системного программирования имени В. П. Иванникова РАН.",
            [
                ("Институт системного программирования имени В. П. Иванникова", "ORG"),
                ("РАН", "ORG"),
            ],
            ["Институт системного программирования имени В. П. Иванникова РАН"],
        ),
        (
            "Отбор провёл Аналитический центр при Правительстве Российской Федерации.",
            [
                ("Аналитический центр", "ORG"),
                ("Правительстве", "ORG"),
                ("Российской Федерации", "LOC"),
            ],
            ["Аналитический центр при Правительстве Российской Федерации"],
        ),
        # An authority's territory in the genitive is part of its name; another body's is not.
        (
            "Кластер запущен Правительством Москвы в 2021 году.",
            [("Правительством", "ORG"), ("Москвы", "LOC")],
            ["Правительством Москвы"],
        ),
        (
            "Эксперимент ведёт Департамент здравоохранения города Москвы.",
            [("Департамент здравоохранения", "ORG"), ("Москвы", "LOC")],
            ["Департамент здравоохранения города Москвы"],
        ),
        (
            "Иск отклонил Арбитражный суд Хабаровского края.",
            [("Арбитражный суд", "ORG"), ("Хабаровского края", "LOC")],
            ["Арбитражный суд Хабаровского края"],
        ),
        (
            "Лаборатория Университета Москвы открыта.",
            [("Университета", "ORG"), ("Москвы", "LOC")],
            ["Университета"],
        ),
        (
            "Заявки принимает Фонд технологического развития Удмуртской Республики.",
            [("Фонд технологического развития", "ORG"), ("Удмуртской Республики", "LOC")],
            ["Фонд технологического развития Удмуртской Республики"],
        ),
        # A capitalised kind followed by its name in the nominative.
        (
            "Итоги подвели в Университете Иннополис вчера.",
            [("Университете", "ORG"), ("Иннополис", "LOC")],
            ["Университете Иннополис"],
        ),
        # One word naming a technopark is an organisation, whatever natasha called it.
        (
            "Работа опирается на инфраструктуру Академпарка.",
            [("Академпарка", "LOC")],
            ["Академпарка"],
        ),
    ],
)
def test_boundary_rules(lemmas, component, text, ents, expected_orgs):
    found = _repaired(component, _doc_with(lemmas, text, ents))
    assert [phrase for phrase, label in found if label == "ORG"] == expected_orgs


@pytest.mark.parametrize(
    ("text", "ents", "expected"),
    [
        (
            "Это кластер «Физтех XXI» в Долгопрудном.",
            [("Физтех XXI", "ORG")],
            [("«Физтех XXI»", "CLUSTER")],
        ),
        (
            "Средства программы стратегического академического лидерства «Приоритет-2030» пришли.",
            [("Приоритет-2030", "ORG")],
            [("программы стратегического академического лидерства «Приоритет-2030»", "LAW")],
        ),
        ("Грант «Приоритет-2030» покрыл треть.", [], [("Грант «Приоритет-2030»", "LAW")]),
        (
            "Совет Пермского межотраслевого инновационного кластера собрался.",
            [("Пермского межотраслевого инновационного кластера", "ORG")],
            [("Пермского межотраслевого инновационного кластера", "CLUSTER")],
        ),
        (
            "Он резидент ТОР «Хабаровск».",
            [("Хабаровск", "LOC")],
            [("ТОР «Хабаровск»", "LOC")],
        ),
        (
            "Средства федерального проекта «Искусственный интеллект» распределены.",
            [("Искусственный интеллект", "LAW")],
            [("федерального проекта «Искусственный интеллект»", "LAW")],
        ),
        (
            "Он стал резидентом территории опережающего развития «Хабаровск» весной.",
            [("Хабаровск", "LOC")],
            [("территории опережающего развития «Хабаровск»", "LOC")],
        ),
    ],
)
def test_a_noun_before_a_quoted_name_gives_it_another_type(lemmas, component, text, ents, expected):
    assert _repaired(component, _doc_with(lemmas, text, ents)) == expected


def test_a_term_the_ruler_cut_out_of_a_name_goes_back_into_it(lemmas, component):
    text = "Исследователи Центра искусственного интеллекта провели отбор."
    doc = _doc_with(
        lemmas,
        text,
        [("искусственного интеллекта", "AI_TECH")],
        source="entity_ruler:terms-ai_tech",
        natasha=[("Центра искусственного интеллекта", "ORG")],
    )
    assert _repaired(component, doc) == [("Центра искусственного интеллекта", "ORG")]


@pytest.mark.parametrize(
    ("text", "ents", "expected"),
    [
        (
            "Альянс в сфере искусственного интеллекта сообщает о новых членах.",
            [("Альянс", "ORG"), ("искусственного интеллекта", "AI_TECH")],
            [("Альянс в сфере искусственного интеллекта", "ORG")],
        ),
        (
            "Работает Центр компетенций НТИ по технологиям искусственного интеллекта.",
            [("Центр компетенций НТИ", "ORG"), ("искусственного интеллекта", "AI_TECH")],
            [("Центр компетенций НТИ по технологиям искусственного интеллекта", "ORG")],
        ),
        # A name with a proper name in it, or a verb before the term, takes no field.
        (
            "Университет Иннополис в области искусственного интеллекта лидирует.",
            [("Университет Иннополис", "ORG"), ("искусственного интеллекта", "AI_TECH")],
            [("Университет Иннополис", "ORG"), ("искусственного интеллекта", "AI_TECH")],
        ),
        (
            "Фонд по итогам года вложился в искусственный интеллект.",
            [("Фонд", "ORG"), ("искусственный интеллект", "AI_TECH")],
            [("Фонд", "ORG"), ("искусственный интеллект", "AI_TECH")],
        ),
    ],
)
def test_a_descriptive_name_runs_on_to_its_field(lemmas, component, text, ents, expected):
    doc = _doc_with(lemmas, text, ents, natasha=[phrase for phrase in ents if phrase[1] == "ORG"])
    assert _repaired(component, doc) == expected


def test_spans_from_ruler_patterns_are_not_dropped_as_generic(lemmas, component):
    doc = _doc_with(lemmas, "Департамент", [("Департамент", "ORG")], source="entity_ruler:x")
    assert _repaired(component, doc) == [("Департамент", "ORG")]


def test_changed_spans_name_the_component_and_others_keep_theirs(lemmas, component):
    doc = _doc_with(
        lemmas,
        "Кластер запущен Правительством Москвы, а данные дал Росстат.",
        [("Правительством", "ORG"), ("Москвы", "LOC"), ("Росстат", "ORG")],
    )
    assert {span.text: span.id_ for span in component(doc).ents} == {
        "Правительством Москвы": "org_boundaries",
        "Росстат": NATASHA,
    }


def test_predict_computes_without_writing(lemmas, component):
    doc = _doc_with(lemmas, "Форма АНО даёт субъектность.", [("АНО", "ORG")])
    predictions = component.predict([doc])
    assert [span.text for span in doc.ents] == ["АНО"]
    component.set_annotations([doc], predictions)
    assert list(doc.ents) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Суд отказал ООО «Северный квартал» в иске к администрации города Хабаровска.",
            {"ООО «Северный квартал»", "администрации города Хабаровска"},
        ),
        (
            "Кластер ИИ Российской ассоциации электронных коммуникаций (РАЭК) вырос.",
            {"Российской ассоциации электронных коммуникаций", "РАЭК"},
        ),
        (
            "Решение принял Департамент транспорта города Москвы.",
            {"Департамент транспорта города Москвы"},
        ),
    ],
)
def test_rules_pipeline_gives_whole_names(text, expected):
    doc = build_pipeline("ru", "rules")(text)
    assert {span.text for span in doc.ents if span.label_ == "ORG"} == expected
