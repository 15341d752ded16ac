"""Entities and predictions: each version stored whole once, never overwritten."""

from __future__ import annotations

import pytest

from cluster_nlp.records import (
    DocumentStatus,
    Entity,
    ErrorClass,
    ExtractedDocument,
    GroupPrediction,
    Prediction,
)
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import failed_document, save_document
from cluster_nlp.store.entities import documents_to_extract, load_entities, save_entities
from cluster_nlp.store.predictions import documents_to_tag, load_prediction, save_prediction

OK_ID, OTHER_ID, FAILED_ID = "1" * 64, "2" * 64, "3" * 64


@pytest.fixture
def sessions(store_url: str):
    sessions = open_store(store_url)
    for document_id in (OK_ID, OTHER_ID):
        save_document(
            sessions,
            ExtractedDocument(
                path=f"{document_id[:4]}.txt",
                sha256=document_id,
                status=DocumentStatus.OK,
                text="x",
            ),
            size_bytes=1,
        )
    save_document(
        sessions,
        failed_document("bad.pdf", FAILED_ID, "empty file", ErrorClass.EMPTY),
        size_bytes=0,
    )
    return sessions


def entity(text: str, start: int, label: str = "LOC") -> Entity:
    return Entity(
        text=text,
        label=label,
        start=start,
        end=start + len(text),
        page=1,
        normalized={"code": "RU-NVS"},
        component="natasha_ner",
    )


def prediction(document_id: str, version: str, labels: list[str]) -> Prediction:
    group = GroupPrediction(labels=labels, scores={"territorial": 0.9, "national_network": 0.1})
    empty = GroupPrediction(labels=[], scores={})
    return Prediction(
        document_id=document_id,
        model_version=version,
        model_hash="h",
        taxonomy_version="t",
        extractor_version="text-1",
        thresholds={"territorial": 0.5},
        groups={"formation_type": group, "functions": empty, "institutional_forms": empty},
    )


def test_entities_are_stored_once_per_extractor_version(sessions):
    assert set(documents_to_extract(sessions, "ner-1")) == {OK_ID, OTHER_ID}
    assert save_entities(sessions, OK_ID, "ner-1", [entity("Новосибирске", 10)])
    assert not save_entities(sessions, OK_ID, "ner-1", [entity("Томске", 3)])
    assert save_entities(sessions, OTHER_ID, "ner-1", [])  # nothing found still counts as done
    assert documents_to_extract(sessions, "ner-1") == []
    assert documents_to_extract(sessions, "ner-2") != []
    assert [e.text for e in load_entities(sessions, OK_ID)] == ["Новосибирске"]


def test_newest_extractor_version_is_read_by_default(sessions):
    save_entities(sessions, OK_ID, "ner-1", [entity("Москве", 0)])
    save_entities(sessions, OK_ID, "ner-2", [entity("Москве", 0), entity("Казани", 20)])
    assert len(load_entities(sessions, OK_ID)) == 2
    assert len(load_entities(sessions, OK_ID, "ner-1")) == 1


def test_predictions_skip_failed_documents_and_never_overwrite(sessions):
    assert set(documents_to_tag(sessions, "v1")) == {OK_ID, OTHER_ID}
    assert save_prediction(sessions, prediction(OK_ID, "v1", ["territorial"]))
    assert not save_prediction(sessions, prediction(OK_ID, "v1", []))
    assert load_prediction(sessions, OK_ID, "v1").labels("formation_type") == ["territorial"]
    assert documents_to_tag(sessions, "v1") == [OTHER_ID]
    assert set(documents_to_tag(sessions, "v2")) == {OK_ID, OTHER_ID}
