"""extract_entities: offsets and pages point at the document's text, values are normalised."""

from __future__ import annotations

import pytest

from cluster_nlp.nlp import extract
from cluster_nlp.nlp.pipeline import build_pipeline
from cluster_nlp.records import ExtractedDocument, Page, PageQuality, Passage
from cluster_nlp.statuses import DocumentStatus

QUALITY = PageQuality(grade=1.0, letters=100, letter_ratio=0.9, cyrillic_ratio=0.5)


def document(pages: list[list[tuple[str, str]]]) -> ExtractedDocument:
    """A document from pages of (lang, paragraph); paragraphs are joined by blank lines."""
    text, passages, page_records = "", [], []
    for number, paragraphs in enumerate(pages, start=1):
        page_start = len(text)
        for lang, paragraph in paragraphs:
            if text:
                text += "\n\n"
            passages.append(
                Passage(
                    page=number,
                    start=len(text),
                    end=len(text) + len(paragraph),
                    text=paragraph,
                    lang=lang,
                )
            )
            text += paragraph
        page_records.append(
            Page(
                number=number,
                width=595,
                height=842,
                text=text[page_start:].strip(),
                engine="test",
                quality=QUALITY,
            )
        )
    return ExtractedDocument(
        path="doc.pdf",
        sha256="a" * 64,
        status=DocumentStatus.OK,
        text=text,
        pages=page_records,
        passages=passages,
    )


@pytest.fixture(scope="module")
def rules_pipelines():
    return {lang: build_pipeline(lang) for lang in ("ru", "en")}


@pytest.fixture(autouse=True)
def rules_only(monkeypatch, rules_pipelines):
    # Unit tests run the rules, whatever default a trained model won (see default_pipeline.yaml).
    monkeypatch.setattr(extract, "pipeline", rules_pipelines.__getitem__)


DOCUMENT = document(
    [
        [
            ("ru", "Кластер создан в Новосибирске в 2019 году."),
            ("ru", "На проект выделено 1,2 млрд рублей."),
        ],
        [
            ("en", "The fund raised $14.3 billion in 2021."),
            ("de", "Der Umsatz wuchs um 12% im Jahr 2023."),
            ("ru", "Доля выросла на 0,5 % в Казани."),
        ],
    ]
)


def test_offsets_point_into_the_document_text():
    entities = extract.extract_entities(DOCUMENT)
    assert entities, "the fixture document has entities on both pages"
    for entity in entities:
        assert DOCUMENT.text[entity.start : entity.end] == entity.text
    assert [entity.start for entity in entities] == sorted(entity.start for entity in entities)


@pytest.mark.parametrize(
    ("text", "label", "page", "normalized", "component"),
    [
        ("Новосибирске", "LOC", 1, {"region_code": "RU-NVS", "kind": "city"}, "natasha_ner"),
        ("2019 году", "DATE", 1, {"date": "2019"}, "entity_ruler"),
        ("1,2 млрд рублей", "MONEY", 1, {"amount": 1.2e9, "currency": "RUB"}, "entity_ruler"),
        ("$14.3 billion", "MONEY", 2, {"amount": 14.3e9, "currency": "USD"}, "entity_ruler"),
        ("12%", "PERCENT", 2, {"percent": 12.0}, "entity_ruler"),  # German passage: en rules
        ("0,5 %", "PERCENT", 2, {"percent": 0.5}, "entity_ruler"),
        ("Казани", "LOC", 2, {"region_code": "RU-TA"}, "natasha_ner"),
    ],
)
def test_each_entity_knows_its_page_value_and_component(text, label, page, normalized, component):
    found = [e for e in extract.extract_entities(DOCUMENT) if e.text == text and e.label == label]
    assert len(found) == 1, f"{text} ({label}) not found once"
    entity = found[0]
    assert entity.page == page
    assert entity.component == component
    assert {key: entity.normalized[key] for key in normalized} == normalized
    passage = next(p for p in DOCUMENT.passages if p.start <= entity.start < p.end)
    assert passage.page == page and entity.end <= passage.end


def test_a_document_without_passages_has_no_entities():
    assert extract.extract_entities(document([])) == []
