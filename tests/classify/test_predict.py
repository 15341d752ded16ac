"""Tagging a document: labels with evidence that points at the right text, stored once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hashing_encoder import HASHING, register_hashing_encoder
from tiny_corpus import make_corpus

from cluster_nlp.classify.data import load_labeled_texts
from cluster_nlp.classify.predict import (
    Predictor,
    keyword_predictor,
    predict_document,
    trained_predictor,
)
from cluster_nlp.classify.settings import load_classify_settings, load_training_settings
from cluster_nlp.classify.tag import tag_documents
from cluster_nlp.classify.train import (
    fit_classifiers,
    fit_passage_classifiers,
    guarded_classifiers,
    split,
)
from cluster_nlp.records import ExtractedDocument, Page, PageQuality, Passage
from cluster_nlp.registry import load_version
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import save_document
from cluster_nlp.store.predictions import load_prediction

PARAGRAPHS = [
    "Годовой отчёт кластера искусственного интеллекта за прошлый год.",
    "Акселератор отобрал двенадцать молодых команд и помог им найти первых заказчиков.",
    "Консорциум университетов и компаний подписал договор о совместных исследованиях.",
    "Подробности доступны у организаторов.",
]


def document_of(paragraphs: list[str]) -> ExtractedDocument:
    text = "\n\n".join(paragraphs)
    passages, offset = [], 0
    for number, paragraph in enumerate(paragraphs):
        page = 1 + number // 2
        passages.append(
            Passage(page=page, start=offset, end=offset + len(paragraph), text=paragraph, lang="ru")
        )
        offset += len(paragraph) + 2
    quality = PageQuality(grade=1, letters=100, letter_ratio=0.8, cyrillic_ratio=1)
    pages = [
        Page(number=n, width=595, height=842, text="", engine="test", quality=quality)
        for n in (1, 2)
    ]
    return ExtractedDocument(
        path="doc.md",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        status=DocumentStatus.OK,
        lang="ru",
        text=text,
        pages=pages,
        passages=passages,
    )


@pytest.fixture
def predictor(trained_models: Path, tiny_taxonomy):
    return trained_predictor(load_version(trained_models, tiny_taxonomy, "v1"), tiny_taxonomy)


def test_evidence_points_at_the_passage_that_carries_the_label(predictor):
    document = document_of(PARAGRAPHS)
    prediction = predict_document(document, predictor, "text-test", margin=0.05)
    assert "startup_support" in prediction.labels("functions")
    assert "consortium" in prediction.labels("institutional_forms")
    for items in prediction.evidence.values():
        for item in items:
            assert document.text[item.start : item.end] == item.text
    best = prediction.evidence["startup_support"][0]
    assert best.text == PARAGRAPHS[1] and best.page == 1
    assert prediction.evidence["consortium"][0].page == 2
    assert prediction.model_version == "v1" and prediction.extractor_version == "text-test"
    assert set(prediction.thresholds) == {
        label for group in prediction.groups.values() for label in group.scores
    }


def test_embedding_scores_rank_the_evidence_too(
    shared_corpus, tiny_taxonomy, tiny_params, fake_embedder
):
    """A model that sums word, paragraph and prototype scores scores passages the same way."""
    params = {**tiny_params, "passage_weights": (0.3,), "prototype_weights": (0.3,)}
    train = split(load_labeled_texts(shared_corpus, tiny_taxonomy), "train")
    classifiers = fit_classifiers(train, tiny_taxonomy, {**params, "embedder": fake_embedder})
    guarded = guarded_classifiers(classifiers, tiny_taxonomy, load_classify_settings(), True)
    predictor = Predictor("fused", "hash", tiny_taxonomy.version, guarded)
    document = document_of(PARAGRAPHS)
    prediction = predict_document(document, predictor, "t")
    assert "startup_support" in prediction.labels("functions")
    assert prediction.evidence["startup_support"][0].text == PARAGRAPHS[1]
    assert prediction.evidence["consortium"][0].text == PARAGRAPHS[2]
    functions = classifiers["functions"]
    column = list(functions.classes_).index("startup_support")
    alone = functions.predict_proba([PARAGRAPHS[1]])[0, column]
    assert prediction.evidence["startup_support"][0].score == pytest.approx(alone)


def test_margin_marks_borderline_labels_for_review(predictor):
    document = document_of(PARAGRAPHS)
    narrow = predict_document(document, predictor, "t", margin=0.0)
    wide = predict_document(document, predictor, "t", margin=1.0)
    assert all(not group.needs_review for group in narrow.groups.values())
    for group in wide.groups.values():
        assert set(group.needs_review) == set(group.scores)


def test_keyword_baseline_predicts_from_cues(tiny_taxonomy):
    document = document_of(PARAGRAPHS)
    prediction = predict_document(document, keyword_predictor(tiny_taxonomy), "t")
    assert prediction.labels("institutional_forms") == ["consortium"]
    assert prediction.model_version == "keyword"
    assert prediction.terms == {}


def test_tagging_stores_each_version_once_and_never_overwrites(predictor, tiny_taxonomy, tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path}/store.db")
    documents = [document_of(PARAGRAPHS), document_of(PARAGRAPHS[:2])]
    for document in documents:
        save_document(sessions, document, size_bytes=1)
    first = tag_documents(sessions, predictor, "t")
    assert sorted(first.tagged) == sorted(d.sha256 for d in documents)
    assert tag_documents(sessions, predictor, "t").tagged == []
    baseline = tag_documents(sessions, keyword_predictor(tiny_taxonomy), "t")
    assert len(baseline.tagged) == 2
    stored = load_prediction(sessions, documents[0].sha256, "v1")
    assert stored == predict_document(documents[0], predictor, "t")
    assert load_prediction(sessions, documents[0].sha256, "keyword").model_version == "keyword"


def test_a_second_tagging_embeds_nothing(
    shared_corpus, tiny_taxonomy, tiny_params, fake_embedder, tmp_path
):
    """Passage vectors are stored: re-tagging with another model version embeds no passage."""
    engine = fake_embedder
    params = {**tiny_params, "passage_weights": (0.3,), "prototype_weights": (0.0,)}
    train = split(load_labeled_texts(shared_corpus, tiny_taxonomy), "train")
    classifiers = fit_classifiers(train, tiny_taxonomy, {**params, "embedder": engine})
    assert _embedded_by_a_second_tagging(classifiers, tiny_taxonomy, engine, tmp_path)[0] == 0


def _embedded_by_a_second_tagging(classifiers, taxonomy, engine, folder):
    """Tag two stored documents with model versions "first", then "second": how many texts
    the second tagging embedded, the store and the documents."""
    settings = load_classify_settings()
    sessions = open_store(f"sqlite:///{folder}/store.db")
    documents = (document_of(PARAGRAPHS), document_of(PARAGRAPHS[1:]))
    for document in documents:
        save_document(sessions, document, size_bytes=1)
    for version in ("first", "second"):
        guarded = guarded_classifiers(classifiers, taxonomy, settings, True)
        predictor = Predictor(version, version, taxonomy.version, guarded)
        before = engine.texts_seen
        assert len(tag_documents(sessions, predictor, "t").tagged) == 2
        embedded = engine.texts_seen - before
    return embedded, sessions, documents


def test_a_second_tagging_with_passage_models_embeds_nothing(tiny_taxonomy, tmp_path):
    """Passage models name their encoder; tagging reads the store for them too, and their
    evidence is the passages their passage scores rank first."""
    engine = register_hashing_encoder()
    passages = load_training_settings().passages.model_copy(update={"encoder": HASHING, "cv": 3})
    corpus = make_corpus(tmp_path / "corpus", with_rationales=True)
    train = split(load_labeled_texts(corpus, tiny_taxonomy), "train")
    settings = load_classify_settings()
    classifiers = fit_passage_classifiers(train, tiny_taxonomy, passages, settings)
    embedded, sessions, documents = _embedded_by_a_second_tagging(
        classifiers, tiny_taxonomy, engine, tmp_path
    )
    assert embedded == 0
    prediction = load_prediction(sessions, documents[0].sha256, "second")
    assert prediction.evidence  # the document is tagged, so it shows evidence
    for label, evidence in prediction.evidence.items():
        assert evidence and all(item.text in PARAGRAPHS for item in evidence), label
