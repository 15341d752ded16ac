"""Entities of a whole document, passage by passage, with normalised values.

Passages are short, so spaCy never sees a document longer than a page's paragraph; they go
through ``nlp.pipe`` in batches, one pipeline per language, built once per process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cluster_nlp.nlp.normalize import (
    normalize_date,
    normalize_location,
    normalize_money,
    normalize_percent,
)
from cluster_nlp.nlp.pipeline import LANGUAGES, RULER_ID_PREFIX, pipeline
from cluster_nlp.records import Entity, ExtractedDocument, Passage

FALLBACK_LANGUAGE = "en"


def normalized_value(label: str, text: str) -> dict | None:
    """The canonical value of a mention, for the labels that have one."""
    match label:
        case "LOC":
            location = normalize_location(text)
            return location.model_dump(mode="json") if location else None
        case "MONEY":
            money = normalize_money(text)
            return money.model_dump(mode="json") if money else None
        case "DATE":
            date = normalize_date(text)
            return {"date": date} if date else None
        case "PERCENT":
            percent = normalize_percent(text)
            return {"percent": percent} if percent is not None else None
    return None


def component_of(span_id: str) -> str:
    if span_id.startswith(RULER_ID_PREFIX):
        return "entity_ruler"
    return span_id or "ner"


def _by_language(passages: Iterable[Passage]) -> dict[str, list[Passage]]:
    grouped: dict[str, list[Passage]] = defaultdict(list)
    for passage in passages:
        grouped[passage.lang if passage.lang in LANGUAGES else FALLBACK_LANGUAGE].append(passage)
    return grouped


def extract_entities(document: ExtractedDocument, batch_size: int = 64) -> list[Entity]:
    """All entities of ``document`` in text order; offsets point into ``document.text``."""
    entities: list[Entity] = []
    for lang, passages in _by_language(document.passages).items():
        nlp = pipeline(lang)
        docs = nlp.pipe((passage.text for passage in passages), batch_size=batch_size)
        for passage, doc in zip(passages, docs, strict=True):
            for span in doc.ents:
                entities.append(
                    Entity(
                        text=span.text,
                        label=span.label_,
                        start=passage.start + span.start_char,
                        end=passage.start + span.end_char,
                        page=passage.page,
                        normalized=normalized_value(span.label_, span.text),
                        component=component_of(span.id_),
                    )
                )
    return sorted(entities, key=lambda entity: (entity.start, entity.end))
