"""org_words: the boundary rules' settings file, validated, and the questions asked of words."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import yaml

from cluster_nlp.nlp.org_boundaries import DATA
from cluster_nlp.nlp.org_words import OrgBoundaryError, WordReader, load_settings

SETTINGS = DATA / "org-boundaries.yaml"


@pytest.fixture(scope="module")
def read():
    nlp = spacy.blank("ru")
    nlp.add_pipe("lemmatizer", config={"mode": "pymorphy3"})
    nlp.initialize()
    settings = load_settings(SETTINGS)

    def reader(text: str) -> WordReader:
        return WordReader(nlp(text), settings, "natasha_ner")

    return reader


@pytest.mark.parametrize(
    ("text", "word", "common"),
    [
        ("Резиденты платят меньше.", "Резиденты", True),  # capital only for opening a sentence
        ("Коротко о главном.", "Коротко", True),
        ("Отчёт подготовил Росстат.", "Росстат", False),  # a capital mid-sentence
        ("Сбер открыл доступ.", "Сбер", False),  # a word pymorphy3 does not know
        ("Москва растёт.", "Москва", False),  # a known name
        ("ИТ-компании растут.", "компании", True),
        ("ИТ-компании растут.", "ИТ", True),  # a generic prefix
        ("Его зовут «Приоритет-2030».", "Приоритет-2030", False),  # digits
        ("Отчёт. ИИ растёт.", "ИИ", False),  # an abbreviation
    ],
)
def test_common_words_and_names(read, text, word, common):
    reader = read(text)
    index = next(token.i for token in reader.doc if token.text == word)
    assert reader.is_common(index) is common


@pytest.mark.parametrize(
    ("text", "head", "phrase"),
    [
        (
            "В Научно-образовательный центр «Кузбасс» вошли вузы.",
            "центр",
            "Научно-образовательный центр",
        ),
        ("Дирекция особой экономической зоны «Иннополис».", "зоны", "особой экономической зоны"),
        ("Директор ИТ-компании «Горные данные» выступил.", "компании", "ИТ-компании"),
        (
            "Ассоциация разработчиков программного обеспечения «РУССОФТ» растёт.",
            "Ассоциация",
            "Ассоциация",
        ),
    ],
)
def test_the_noun_a_quoted_name_belongs_to(read, text, head, phrase):
    reader = read(text)
    quote = next(token.i for token in reader.doc if token.text == "«")
    found = reader.quote_head(quote, frozenset())
    assert found is not None and reader.doc[found].text == head
    assert reader.doc[reader.phrase_start(found, 0) : found + 1].text == phrase


def test_a_verb_between_means_no_kind(read):
    reader = read("Университет запустил «Школу данных».")
    assert reader.quote_head(3, frozenset()) is None


def _write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(SETTINGS.read_text("utf-8"))
    change(raw)
    path = tmp_path / "org-boundaries.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["statuses"].append("фонд"), "'фонд' is in both"),
        (lambda raw: raw["descriptors"].append("Компания"), "lower-case lemmas"),
        (lambda raw: raw["other_heads"].update({"PERSON": ["лицо"]}), "not among"),
        (lambda raw: raw["heads_in_span"].append("none"), "heads_in_span"),
        (lambda raw: raw.update({"colour": "red"}), "colour"),
        (lambda raw: raw.pop("statuses"), "statuses"),
        (lambda raw: raw.update({"max_kind_distance": 0}), "max_kind_distance"),
    ],
)
def test_malformed_settings_are_a_one_line_error(tmp_path, change, message):
    with pytest.raises(OrgBoundaryError, match=message) as error:
        load_settings(_write(tmp_path, change))
    assert "\n" not in str(error.value)


def test_shipped_settings_load():
    settings = load_settings(SETTINGS)
    assert settings.category("министерство") == "authorities"
    assert settings.category("программа") == "other:LAW"
