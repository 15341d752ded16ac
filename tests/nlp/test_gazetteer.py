"""The gazetteer files are complete and valid, and the lemma index matches what it should."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from cluster_nlp.nlp.gazetteer import (
    COUNTRIES_PATH,
    REGIONS_PATH,
    GazetteerError,
    Location,
    LocationKind,
    PhraseIndex,
    SubjectType,
    currency_symbols,
    load_countries,
    load_regions,
    location_index,
    morph,
    tokenize,
    word_forms,
)

# ISO 3166-2:RU as published (83 subjects), independent of the data file.
ISO_3166_2_RU = {
    "RU-AD", "RU-AL", "RU-BA", "RU-BU", "RU-CE", "RU-CU", "RU-DA", "RU-IN", "RU-KB", "RU-KC",
    "RU-KK", "RU-KL", "RU-KO", "RU-KR", "RU-ME", "RU-MO", "RU-SA", "RU-SE", "RU-TA", "RU-TY",
    "RU-UD", "RU-ALT", "RU-KAM", "RU-KHA", "RU-KDA", "RU-KYA", "RU-PER", "RU-PRI", "RU-STA",
    "RU-ZAB", "RU-AMU", "RU-ARK", "RU-AST", "RU-BEL", "RU-BRY", "RU-CHE", "RU-IRK", "RU-IVA",
    "RU-KGD", "RU-KLU", "RU-KEM", "RU-KIR", "RU-KOS", "RU-KGN", "RU-KRS", "RU-LEN", "RU-LIP",
    "RU-MAG", "RU-MOS", "RU-MUR", "RU-NIZ", "RU-NGR", "RU-NVS", "RU-OMS", "RU-ORE", "RU-ORL",
    "RU-PNZ", "RU-PSK", "RU-ROS", "RU-RYA", "RU-SAK", "RU-SAM", "RU-SAR", "RU-SMO", "RU-SVE",
    "RU-TAM", "RU-TOM", "RU-TUL", "RU-TVE", "RU-TYU", "RU-ULY", "RU-VLA", "RU-VGG", "RU-VLG",
    "RU-VOR", "RU-YAR", "RU-MOW", "RU-SPE", "RU-YEV", "RU-CHU", "RU-KHM", "RU-NEN", "RU-YAN",
}  # fmt: skip
# Not in ISO 3166-2:RU; the codes in common Russian use (see the comment atop regions.yaml).
UNOFFICIAL = {"RU-CR", "RU-SEV", "RU-DPR", "RU-LPR", "RU-ZAP", "RU-KHE"}

EUROPE = "AL AD AT BY BE BA BG HR CY CZ DK EE FI FR DE GR HU IS IE IT LV LI LT LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA"  # noqa: E501
CIS = "AM AZ BY GE KZ KG MD RU TJ TM UZ"
G20 = "AR AU BR CA CN FR DE IN ID IT JP MX RU SA ZA KR TR GB US"
TECH = "SG TW HK IL AE JP KR CN IN MY VN TH NZ"


@pytest.fixture(scope="module")
def regions():
    return load_regions()


@pytest.fixture(scope="module")
def countries():
    return load_countries()


# --- regions.yaml -----------------------------------------------------------------------------


def test_all_89_subjects_with_their_iso_codes(regions):
    codes = {subject.code for subject in regions.subjects}
    assert len(regions.subjects) == 89
    assert codes == ISO_3166_2_RU | UNOFFICIAL
    assert {s.code for s in regions.subjects if not s.iso_official} == UNOFFICIAL
    assert not any(code.startswith("UA-") for code in codes)


@pytest.mark.parametrize(
    ("subject_type", "count"),
    [
        (SubjectType.REPUBLIC, 24),
        (SubjectType.KRAI, 9),
        (SubjectType.OBLAST, 48),
        (SubjectType.FEDERAL_CITY, 3),
        (SubjectType.AUTONOMOUS_OBLAST, 1),
        (SubjectType.AUTONOMOUS_OKRUG, 4),
    ],
)
def test_subject_types_as_the_constitution_counts_them(regions, subject_type, count):
    assert Counter(subject.type for subject in regions.subjects)[subject_type] == count


@pytest.mark.parametrize(
    ("code", "name_ru", "capital"),
    [
        ("RU-NVS", "Новосибирская область", "Новосибирск"),
        ("RU-MOW", "Москва", "Москва"),
        ("RU-SPE", "Санкт-Петербург", "Санкт-Петербург"),
        ("RU-TA", "Республика Татарстан", "Казань"),
        ("RU-KHM", "Ханты-Мансийский автономный округ — Югра", "Ханты-Мансийск"),
        ("RU-SA", "Республика Саха (Якутия)", "Якутск"),
        ("RU-KEM", "Кемеровская область — Кузбасс", "Кемерово"),
        ("RU-CR", "Республика Крым", "Симферополь"),
        ("RU-DPR", "Донецкая Народная Республика", "Донецк"),
        ("RU-YEV", "Еврейская автономная область", "Биробиджан"),
    ],
)
def test_known_subjects(regions, code, name_ru, capital):
    subject = next(subject for subject in regions.subjects if subject.code == code)
    assert (subject.name_ru, subject.capital) == (name_ru, capital)


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("Академгородок", "RU-NVS"),
        ("Кольцово", "RU-NVS"),
        ("Зеленоград", "RU-MOW"),
        ("Сколково", "RU-MOW"),
        ("Иннополис", "RU-TA"),
        ("Саров", "RU-NIZ"),
        ("Дубна", "RU-MOS"),
        ("Обнинск", "RU-KLU"),
    ],
)
def test_well_known_places_sit_in_their_subject(regions, place, code):
    owners = {
        subject.code
        for subject in regions.subjects
        for named in (*subject.cities, *subject.places)
        if named.name_ru == place
    }
    assert owners == {code}


def test_english_names_are_not_cyrillic(regions, countries):
    named = [*regions.subjects, *countries.countries]
    named += [city for entry in named for city in entry.cities]
    assert not [entry.name_en for entry in named if re.search("[а-яё]", entry.name_en.lower())]


# --- countries.yaml ---------------------------------------------------------------------------


def test_countries_cover_europe_cis_g20_and_tech_hubs(countries):
    codes = {country.code for country in countries.countries}
    required = set(f"{EUROPE} {CIS} {G20} {TECH} IL AE US CA".split())
    assert required <= codes
    assert len(codes) >= 80


@pytest.mark.parametrize(
    ("code", "name"),
    [("US", "США"), ("GB", "Великобритания"), ("NO", "Норвегия"), ("DE", "Германия")],
)
def test_countries_keep_their_names(countries, code, name):
    country = next(country for country in countries.countries if country.code == code)
    assert country.name_ru == name


@pytest.mark.parametrize(
    ("symbol", "code"),
    [("$", "USD"), ("US$", "USD"), ("€", "EUR"), ("₽", "RUB"), ("¥", "JPY"), ("₸", "KZT")],
)
def test_currency_symbols(symbol, code):
    assert dict(currency_symbols())[symbol] == code


def test_currency_symbols_longest_first():
    lengths = [len(symbol) for symbol, _ in currency_symbols()]
    assert lengths == sorted(lengths, reverse=True)


# --- validation -------------------------------------------------------------------------------


def _broken_copy(tmp_path: Path, source: Path, break_it) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    break_it(data)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def _subject(data, code):
    return next(subject for subject in data["subjects"] if subject["code"] == code)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda data: data["subjects"].pop(), "expected 89 federal subjects, found 88"),
        (lambda data: _subject(data, "RU-TOM").update(code="RU-NVS"), "repeated: RU-NVS"),
        (lambda data: _subject(data, "RU-DPR").update(code="UA-14"), "code: String should match"),
        (lambda data: _subject(data, "RU-NVS").update(code="RU-nvs"), "String should match"),
        (lambda data: _subject(data, "RU-NVS").update(capital="Томск"), "not among its cities"),
        (lambda data: _subject(data, "RU-NVS").update(population=2), "Extra inputs"),
        (lambda data: _subject(data, "RU-NVS").update(type="county"), "type: Input should be"),
        (lambda data: data["designator_synonyms"]["округ"].append("обл"), "two canonical"),
    ],
    ids=["88", "duplicate", "ua-code", "lower-case", "capital", "unknown-field", "type", "synonym"],
)
def test_regions_validation_names_the_fault(tmp_path, break_it, message):
    path = _broken_copy(tmp_path, REGIONS_PATH, break_it)
    with pytest.raises(GazetteerError, match="regions.yaml") as raised:
        load_regions(path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def _country(data, code):
    return next(country for country in data["countries"] if country["code"] == code)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda data: _country(data, "SE").update(code="NO"), "country codes repeated: NO"),
        (lambda data: _country(data, "NO").update(code=False), "valid string"),
        (lambda data: _country(data, "DE").update(code="DEU"), "String should match"),
        (lambda data: data["currencies"][0].update(code="usd"), "String should match"),
        (lambda data: data["currencies"][1]["symbols"].append("$"), "symbols repeated: $"),
    ],
    ids=["duplicate", "yaml-no-is-false", "alpha-3", "currency-code", "symbol"],
)
def test_countries_validation_names_the_fault(tmp_path, break_it, message):
    path = _broken_copy(tmp_path, COUNTRIES_PATH, break_it)
    with pytest.raises(GazetteerError, match="countries.yaml") as raised:
        load_countries(path)
    assert message in str(raised.value)


def test_unparsable_yaml_is_reported(tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text("subjects: [unclosed", encoding="utf-8")
    with pytest.raises(GazetteerError, match="regions.yaml: not valid YAML"):
        load_regions(path)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": LocationKind.CITY, "code": "RU", "country_code": "RU", "region_code": "RU-NVS"},
        {"kind": LocationKind.COUNTRY, "code": "NOR", "country_code": "NOR"},
        {
            "kind": LocationKind.REGION,
            "code": "UA-14",
            "country_code": "RU",
            "region_code": "UA-14",
        },
    ],
)
def test_location_rejects_inconsistent_codes(kwargs):
    with pytest.raises(ValueError):
        Location(name="x", name_en="x", **kwargs)


# --- morphology and the phrase index ----------------------------------------------------------


def test_morph_analyzer_is_built_once():
    assert morph() is morph()


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("Новосибирской", "новосибирский"),
        ("Нижнем", "нижний"),
        ("Новгороде", "новгород"),
        ("Челнах", "челны"),
        ("Орле", "орел"),  # ё folded to е
        ("Норвегии", "норвегия"),
        ("dollars", "dollar"),
        ("Norway's", "norway"),
        ("Санкт-Петербурге", "санкт-петербург"),
    ],
)
def test_word_forms_include_the_lemma(word, lemma):
    assert lemma in word_forms(word)


def test_tokens_carry_offsets_and_segments():
    text = "в Нижнем Новгороде, Москве"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens] == ["в", "Нижнем", "Новгороде", "Москве"]
    assert [t.segment for t in tokens] == [0, 0, 0, 1]


def _index() -> PhraseIndex[str]:
    index: PhraseIndex[str] = PhraseIndex({"обл": "область"})
    index.add("Нижний Новгород", "NIZ-city")
    index.add("Великий Новгород", "NGR-city")
    index.add("Новгород", "NGR-city")
    index.add("Новгородская область", "NGR")
    index.add("новгородский", "NGR-city", weak=True, needs_capital=False)
    index.add("США", "US")
    return index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("в Нижнем Новгороде", ["NIZ-city"]),  # the two-word name beats "Новгород"
        ("Новгородской обл.", ["NGR"]),  # abbreviation read as the designator
        ("Новгород и Нижний Новгород", ["NGR-city", "NIZ-city"]),
        ("Нижний, Новгород", ["NGR-city"]),  # a comma breaks the name
        ("новгородский кремль", ["NGR-city"]),  # adjectives need no capital
        ("новгород", []),  # names do
        ("из США", ["US"]),
        ("сша", []),  # abbreviations match as written
    ],
)
def test_phrase_index_finds_longest_names(text, expected):
    assert [match.value for match in _index().find(tokenize(text))] == expected


def test_phrase_index_refuses_one_name_for_two_things():
    index = _index()
    index.add("Новгород", "NGR-city")  # the same thing again is fine
    with pytest.raises(GazetteerError, match="names two things"):
        index.add("новгород", "somewhere else")


def test_the_shipped_gazetteers_build_without_conflicts():
    index = location_index()
    assert len(index) > 1000
