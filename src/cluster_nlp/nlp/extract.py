"""Entities of a whole document, passage by passage, with normalised values.

Passages are short, so spaCy never sees a document longer than a page's paragraph; they go
through ``nlp.pipe`` in batches, one pipeline per language, built once per process. Then the
document is read whole once: an organisation's acronym found in one passage is tagged where it
recurs in the others (``acronyms``), and noise is dropped (``noise``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cluster_nlp.nlp.acronyms import COMPONENT as ACRONYMS
from cluster_nlp.nlp.acronyms import recurring_acronyms
from cluster_nlp.nlp.noise import without_noise
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
    passages: list[Passage] = []
    found: list[list[tuple[int, int, str, str]]] = []  # per passage: start, end, label, by
    for lang, group in _by_language(document.passages).items():
        docs = pipeline(lang).pipe((passage.text for passage in group), batch_size=batch_size)
        for passage, doc in zip(group, docs, strict=True):
            passages.append(passage)
            found.append(
                [(s.start_char, s.end_char, s.label_, component_of(s.id_)) for s in doc.ents]
            )
    texts = [passage.text for passage in passages]
    for mentions, extra in zip(found, recurring_acronyms(texts, found), strict=True):
        mentions.extend((start, end, label, ACRONYMS) for start, end, label in extra)
    entities = [
        Entity(
            text=passage.text[start:end],
            label=label,
            start=passage.start + start,
            end=passage.start + end,
            page=passage.page,
            normalized=normalized_value(label, passage.text[start:end]),
            component=component,
        )
        for passage, mentions in zip(passages, found, strict=True)
        for start, end, label, component in mentions
    ]
    return without_noise(sorted(entities, key=lambda entity: (entity.start, entity.end)))
