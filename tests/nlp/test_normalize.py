"""Mentions normalise to canonical values: places to ISO codes, money, dates, percentages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster_nlp.nlp.gazetteer import load_countries, load_regions, morph
from cluster_nlp.nlp.normalize import (
    Location,
    LocationKind,
    Money,
    find_locations,
    normalize_date,
    normalize_location,
    normalize_money,
    normalize_percent,
)

REGIONS = load_regions()
COUNTRIES = load_countries()
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")


def _restore_capitals(original: str, inflected: str) -> str:
    parts, originals = inflected.split("-"), original.split("-")
    if len(parts) != len(originals):
        originals = [original] * len(parts)
    return "-".join(
        part[:1].upper() + part[1:] if source[:1].isupper() else part
        for part, source in zip(parts, originals, strict=True)
    )


def inflect(phrase: str, case: str) -> str:
    """Every Cyrillic word of a nominative phrase put into ``case`` by pymorphy3."""

    def one(match: re.Match[str]) -> str:
        word = match.group()
        for parse in morph().parse(word):
            if parse.tag.case == "nomn" and (inflected := parse.inflect({case})):
                return _restore_capitals(word, inflected.word)
        return word  # indeclinable ("Сочи", "Марий Эл")

    return CYRILLIC_WORD.sub(one, phrase)


def _declinable_names(named) -> list[str]:
    """Russian names of an entry that inflect (abbreviations such as "ХМАО" do not)."""
    names = [named.name_ru, *named.aliases]
    return [name for name in names if CYRILLIC_WORD.search(name) and not name.isupper()]


SUBJECT_NAMES = [
    (name, subject.code) for subject in REGIONS.subjects for name in _declinable_names(subject)
]
SETTLEMENT_NAMES = [
    (name, subject.code)
    for subject in REGIONS.subjects
    for named in (*subject.cities, *subject.places)
    for name in _declinable_names(named)
]
COUNTRY_NAMES = [
    (name, country.code)
    for country in COUNTRIES.countries
    for named in (country, *country.cities)
    for name in _declinable_names(named)
]


def test_inflect_really_inflects():
    assert inflect("Новосибирская область", "gent") == "Новосибирской области"
    assert inflect("Нижний Новгород", "loct") == "Нижнем Новгороде"
    assert inflect("Ханты-Мансийский автономный округ", "gent") == (
        "Ханты-Мансийского автономного округа"
    )


# --- places -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("в Новосибирске", LocationKind.CITY, "RU-NVS"),
        ("Новосибирской области", LocationKind.REGION, "RU-NVS"),
        ("Новосибирская обл.", LocationKind.REGION, "RU-NVS"),
        ("Академгородка", LocationKind.PLACE, "RU-NVS"),
        ("Республики Татарстан", LocationKind.REGION, "RU-TA"),
        ("Татарстане", LocationKind.REGION, "RU-TA"),
        ("Москве", LocationKind.REGION, "RU-MOW"),
        ("Санкт-Петербурге", LocationKind.REGION, "RU-SPE"),
        ("Нижнем Новгороде", LocationKind.CITY, "RU-NIZ"),
        ("Ханты-Мансийского автономного округа", LocationKind.REGION, "RU-KHM"),
        ("Norway", LocationKind.COUNTRY, "NO"),
        ("Норвегии", LocationKind.COUNTRY, "NO"),
        ("Бремене", LocationKind.CITY, "DE"),
        ("Томской области", LocationKind.REGION, "RU-TOM"),
        ("Якутии", LocationKind.REGION, "RU-SA"),
        ("Подмосковья", LocationKind.REGION, "RU-MOS"),
        ("Кузбассе", LocationKind.REGION, "RU-KEM"),
        ("Югры", LocationKind.REGION, "RU-KHM"),
        ("Петербурге", LocationKind.REGION, "RU-SPE"),
        ("в Питере", LocationKind.REGION, "RU-SPE"),
        ("СПб", LocationKind.REGION, "RU-SPE"),
        ("Зеленограде", LocationKind.PLACE, "RU-MOW"),
        ("Сколково", LocationKind.PLACE, "RU-MOW"),
        ("Иннополисе", LocationKind.CITY, "RU-TA"),
        ("Сарове", LocationKind.CITY, "RU-NIZ"),
        ("Кольцово", LocationKind.PLACE, "RU-NVS"),
        ("в Дубне", LocationKind.CITY, "RU-MOS"),
        ("Обнинске", LocationKind.CITY, "RU-KLU"),
        ("Novosibirsk Oblast", LocationKind.REGION, "RU-NVS"),
        ("Novosibirsk Region", LocationKind.REGION, "RU-NVS"),
        ("Tatarstan", LocationKind.REGION, "RU-TA"),
        ("Saint Petersburg", LocationKind.REGION, "RU-SPE"),
        ("St. Petersburg", LocationKind.REGION, "RU-SPE"),
        ("г. Москва", LocationKind.REGION, "RU-MOW"),
        ("Республики Саха (Якутия)", LocationKind.REGION, "RU-SA"),
        ("Ростове-на-Дону", LocationKind.CITY, "RU-ROS"),
        ("Набережных Челнах", LocationKind.CITY, "RU-TA"),
        ("Пермская область", LocationKind.REGION, "RU-PER"),  # the old name of Пермский край
        ("Краснодарского края", LocationKind.REGION, "RU-KDA"),
        ("Krasnodar Territory", LocationKind.REGION, "RU-KDA"),
        ("США", LocationKind.COUNTRY, "US"),
        ("Соединённых Штатах", LocationKind.COUNTRY, "US"),
        ("the U.S.", LocationKind.COUNTRY, "US"),
        ("Великобритании", LocationKind.COUNTRY, "GB"),
        ("ФРГ", LocationKind.COUNTRY, "DE"),
        ("Республике Казахстан", LocationKind.COUNTRY, "KZ"),
        ("Объединённых Арабских Эмиратах", LocationKind.COUNTRY, "AE"),
        ("Кремниевой долине", LocationKind.CITY, "US"),
        ("Мюнхене", LocationKind.CITY, "DE"),
        ("Алма-Ате", LocationKind.CITY, "KZ"),
        # relational adjectives, as the seed paper uses them
        ("новосибирского Академгородка", LocationKind.PLACE, "RU-NVS"),
        ("Томского Академгородка", LocationKind.PLACE, "RU-TOM"),
        ("Московский инновационный кластер", LocationKind.REGION, "RU-MOW"),
        ("Бременского института", LocationKind.CITY, "DE"),
        ("казахстанского кластера", LocationKind.COUNTRY, "KZ"),
        ("Norwegian cluster", LocationKind.COUNTRY, "NO"),
    ],
)
def test_location_forms(text, kind, code):
    location = normalize_location(text)
    assert location is not None, text
    assert (location.kind, location.code) == (kind, code)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Орёл", "RU-ORL"),  # capitalised: the city
        ("в Орле", "RU-ORL"),
        ("Ростов", "RU-ROS"),  # Ростов-на-Дону, not Ростов Великий
        ("Новгороде", "RU-NGR"),  # Великий Новгород
        ("Корея", "KR"),  # South Korea
        ("Грозный", "RU-CE"),
        ("в Королёве", "RU-MOS"),
    ],
)
def test_ambiguous_names_resolve_as_documented(text, code):
    location = normalize_location(text)
    assert location is not None and location.code == code


@pytest.mark.parametrize(
    "text",
    [
        "Кластер",
        "Мир",
        "орёл",  # lower case: the bird
        "степной орёл парил",
        "искусственный интеллект",
        "Европа",
        "Латинская Америка",  # "Америка" is deliberately not the USA
        "us",  # English pronoun, not the abbreviation
        "uk",
        "Иван Грозный",  # a tsar, not the city
        "Сергей Королёв",
        "Владимир Путин",
        "АНО «Кластер Искусственного Интеллекта»",
        "2021",
        "",
        "   ",
    ],
)
def test_words_that_are_not_places(text):
    assert normalize_location(text) is None


@pytest.mark.parametrize(("name", "code"), SUBJECT_NAMES, ids=[n for n, _ in SUBJECT_NAMES])
@pytest.mark.parametrize("case", ["nomn", "gent", "loct"])
def test_every_subject_resolves_in_any_case(name, code, case):
    form = inflect(name, case)
    location = normalize_location(form)
    assert location is not None and location.code == code, f"{form!r} -> {location}"


@pytest.mark.parametrize(("name", "code"), SETTLEMENT_NAMES, ids=[n for n, _ in SETTLEMENT_NAMES])
@pytest.mark.parametrize("case", ["nomn", "gent", "loct"])
def test_every_city_and_place_resolves_to_its_subject(name, code, case):
    form = inflect(name, case)
    location = normalize_location(form)
    assert location is not None and location.region_code == code, f"{form!r} -> {location}"


@pytest.mark.parametrize(("name", "code"), COUNTRY_NAMES, ids=[n for n, _ in COUNTRY_NAMES])
@pytest.mark.parametrize("case", ["gent", "loct"])
def test_every_country_and_foreign_city_resolves_to_its_country(name, code, case):
    form = inflect(name, case)
    location = normalize_location(form)
    assert location is not None and location.code == code, f"{form!r} -> {location}"


@pytest.mark.parametrize(
    "named",
    [*REGIONS.subjects, *COUNTRIES.countries],
    ids=lambda named: named.name_en,
)
def test_english_names_resolve(named):
    location = normalize_location(named.name_en)
    assert location is not None and location.code == named.code


def test_every_subject_capital_resolves_to_its_subject():
    wrong = [
        (subject.capital, location and location.code)
        for subject in REGIONS.subjects
        if (location := normalize_location(subject.capital)) is None
        or location.code != subject.code
    ]
    assert wrong == []


def test_location_records_serialise_flat():
    location = normalize_location("в Новосибирске")
    assert location is not None
    assert location.model_dump(mode="json") == {
        "kind": "city",
        "code": "RU-NVS",
        "name": "Новосибирск",
        "name_en": "Novosibirsk",
        "country_code": "RU",
        "region_code": "RU-NVS",
    }
    assert Location.model_validate(location.model_dump()) == location
    foreign = normalize_location("Бремене")
    assert foreign is not None and (foreign.region_code, foreign.country_code) == (None, "DE")


def test_find_locations_reports_each_mention_with_offsets():
    text = "Кластеры работают в Новосибирской области, Москве и Нижнем Новгороде, а также в США."
    mentions = find_locations(text)
    assert [(m.text, m.location.code) for m in mentions] == [
        ("Новосибирской области", "RU-NVS"),
        ("Москве", "RU-MOW"),
        ("Нижнем Новгороде", "RU-NIZ"),
        ("США", "US"),
    ]
    assert all(text[m.start : m.end] == m.text for m in mentions)


# --- the seed paper ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_sentences(shared_dir: Path) -> list[str]:
    path = shared_dir / "seed" / "ai-clusters-paper.txt"
    if not path.is_file():
        pytest.skip("the seed paper is not in shared/")
    text = path.read_text(encoding="utf-8")
    joined = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)  # undo end-of-line hyphenation
    flat = re.sub(r"\s+", " ", joined)
    return re.split(r"(?<=[.!?])\s+(?=[А-ЯA-Z])", flat)


@pytest.mark.parametrize(
    ("anchor", "mention", "mention_code", "sentence_codes"),
    [
        ("В Норвегии в 2019 году", "Норвегии", "NO", ["NO"]),
        ("участников из США", "Германии", "DE", ["US", "IN", "DE", "GB", "SE", "DK"]),
        ("на базе Бременского", "Бременского института", "DE", ["DE", "DE", "DE"]),
        ("бренда Бремена", "Бремена", "DE", ["DE", "DE"]),
        ("в Республике Казахстан", "Республике Казахстан", "KZ", ["KZ"]),
        ("ИИ в Казахстане", "Казахстане", "KZ", ["KZ"]),
        ("новосибирского Академгородка", "новосибирского Академгородка", "RU-NVS", ["RU-NVS"]),
        ("в новосибирском кластере", "новосибирском кластере", "RU-NVS", ["RU-NVS"]),
        ("Московского инновационного", "Московского инновационного кластера", "RU-MOW", ["RU-MOW"]),
        ("Московский инновационный кластер развивается", "Московский", "RU-MOW", ["RU-MOW"]),
    ],
)
def test_seed_paper_places(seed_sentences, anchor, mention, mention_code, sentence_codes):
    sentence = next(s for s in seed_sentences if anchor in s)
    assert mention in sentence
    assert [found.location.code for found in find_locations(sentence)] == sentence_codes
    location = normalize_location(mention)
    assert location is not None and location.code == mention_code


@pytest.mark.parametrize(
    ("mention", "amount", "currency"),
    [
        ("290 миллионов долларов США", 290e6, "USD"),
        ("свыше миллиарда долларов США", 1e9, "USD"),
    ],
)
def test_seed_paper_money(seed_sentences, mention, amount, currency):
    assert any(mention in sentence for sentence in seed_sentences)
    assert normalize_money(mention) == Money(amount=amount, currency=currency)


def test_seed_paper_dates_and_shares(seed_sentences):
    text = " ".join(seed_sentences)
    assert all(mention in text for mention in ("0,5 %", "21 июля 2021 г.", "в 2019 году"))
    assert normalize_percent("0,5 %") == 0.5
    assert normalize_date("21 июля 2021 г.") == "2021-07-21"
    assert normalize_date("в 2019 году") == "2019"


# --- money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$291 млн", 291e6, "USD"),
        ("290 миллионов долларов США", 290e6, "USD"),
        ("$14,3 млрд", 14.3e9, "USD"),
        ("$58,3 млрд", 58.3e9, "USD"),
        ("1,2 млрд рублей", 1.2e9, "RUB"),
        ("1,2 млрд руб.", 1.2e9, "RUB"),
        ("500 тыс. рублей", 500e3, "RUB"),
        ("EUR 5 million", 5e6, "EUR"),
        ("€5m", 5e6, "EUR"),
        ("$14.3 billion", 14.3e9, "USD"),
        ("10 трлн рублей", 10e12, "RUB"),
        ("¥100 млрд", 100e9, "JPY"),  # "¥" alone is the yen
        ("100 млрд юаней", 100e9, "CNY"),
        ("¥100 млрд юаней", 100e9, "CNY"),  # the word settles the symbol
        ("5 млрд тенге", 5e9, "KZT"),
        ("свыше миллиарда долларов США", 1e9, "USD"),
        ("1 200 000 рублей", 1.2e6, "RUB"),
        ("1\u00a0200\u00a0000 ₽", 1.2e6, "RUB"),
        ("$1,200,000", 1.2e6, "USD"),
        ("US$ 2,5 млн", 2.5e6, "USD"),
        ("C$ 3 million", 3e6, "CAD"),
        ("3 млн канадских долларов", 3e6, "CAD"),
        ("£2bn", 2e9, "GBP"),
        ("2 млн евро", 2e6, "EUR"),
        ("USD 40 mln", 40e6, "USD"),
        ("5 million dollars", 5e6, "USD"),
        ("a billion dollars", 1e9, "USD"),
    ],
)
def test_money(text, amount, currency):
    money = normalize_money(text)
    assert money is not None, text
    assert (money.amount, money.currency) == (pytest.approx(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "5 млн",
        "рублей",
        "",
        "от 1 до 2 млрд рублей",
        "$5–10 млн",
        "Кластер в Москве",
        "сотен миллионов рублей",
        "десятки миллиардов рублей",
        "millions of dollars",
    ],
)
def test_not_money(text):
    assert normalize_money(text) is None


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_money_reads_grouped_integers(value):
    russian = f"{value:,}".replace(",", " ") + " рублей"
    english = f"${value:,}"
    assert normalize_money(russian).amount == value
    assert normalize_money(english).amount == value


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9))
def test_money_reads_decimal_commas(whole, tenth):
    money = normalize_money(f"{whole},{tenth} млрд рублей")
    assert money is not None and money.amount == pytest.approx((whole + tenth / 10) * 1e9)


# --- dates ------------------------------------------------------------------------------------

RUSSIAN_GENITIVE_MONTHS = (
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21 июля 2021 г.", "2021-07-21"),
        ("от 21 июля 2021 г. № 474", "2021-07-21"),
        ("2019 году", "2019"),
        ("к 2020 году", "2020"),
        ("в марте 2023 года", "2023-03"),
        ("марте 2023 года", "2023-03"),
        ("в мае 2022 г.", "2022-05"),
        ("July 21, 2021", "2021-07-21"),
        ("21 July 2021", "2021-07-21"),
        ("March 2023", "2023-03"),
        ("21.07.2021", "2021-07-21"),
        ("2021-07-21", "2021-07-21"),
        ("2019-2024 годы", "2019/2024"),
        ("2019–2024 гг.", "2019/2024"),
        ("с 2019 по 2024 год", "2019/2024"),
        ("from 2019 to 2024", "2019/2024"),
        ("1990-х годов", "1990/1999"),
        ("the 1990s", "1990/1999"),
        ("2020", "2020"),
        ("2024 и 2030 годы", "2024"),  # a list, not a range: the first year
        ("1 сент. 2020 г.", "2020-09-01"),
    ],
)
def test_dates(text, expected):
    assert normalize_date(text) == expected


@pytest.mark.parametrize(
    "text", ["№ 474", "31.02.2021", "вчера", "", "5000 сотрудников", "2024-2019", "14,3 млрд"]
)
def test_not_dates(text):
    assert normalize_date(text) is None


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_in_every_format_agree(day):
    expected = day.isoformat()
    russian = f"{day.day} {RUSSIAN_GENITIVE_MONTHS[day.month - 1]} {day.year} г."
    english = f"{day:%B} {day.day}, {day.year}"
    dotted = f"{day:%d.%m.%Y}"
    assert [normalize_date(text) for text in (russian, english, dotted)] == [expected] * 3


# --- percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,5 %", 0.5),
        ("12%", 12.0),
        ("12 процентов", 12.0),
        ("на 3,7 процента", 3.7),
        ("12,5 per cent", 12.5),
        ("40 percent", 40.0),
        ("-3%", -3.0),
        ("−3 %", -3.0),
        ("1 000 %", 1000.0),
    ],
)
def test_percent(text, expected):
    assert normalize_percent(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["12", "процент", "12–15 %", "от 12 до 15 процентов", ""])
def test_not_percent(text):
    assert normalize_percent(text) is None
