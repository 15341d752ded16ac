"""Integration checks of the committed default model (``models/current``), not a trained one.

Unit tests train their own tiny models; these load the model the repository ships and check
what the issue asks of it: on the seed paper it finds the three formation types and most
functions, with the paper's own passages as evidence, and on the corpus's test split it
beats the keyword baseline in every group, with the figures its metrics.json records.
The default model is trained without the seed paper (`classify.yaml` keeps it out of
training), so its check is on unseen text; the test-split figures are in the slow tier
(``make test-all``).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from cluster_nlp.classify.data import load_labeled_texts
from cluster_nlp.classify.predict import predict_document, trained_predictor
from cluster_nlp.classify.settings import load_classify_settings
from cluster_nlp.classify.train import (
    evaluate_classifiers,
    guarded_classifiers,
    keyword_classifiers,
    split,
)
from cluster_nlp.corpus.markdown import parse_markdown, plain_text
from cluster_nlp.records import ExtractedDocument, Page, PageQuality, Passage
from cluster_nlp.registry import MODEL_FILE, load_version, read_metrics, version_folder
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.taxonomy import GROUPS, cue_regex, load_taxonomy

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
CORPUS = REPO / "corpus"
SEED = CORPUS / "src" / "seed-ai-clusters-paper.md"
PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def default_model(taxonomy):
    return load_version(MODELS, taxonomy)


@pytest.fixture(scope="module")
def seed_prediction(default_model, taxonomy):
    text = plain_text(parse_markdown(SEED.read_text("utf-8")))
    passages = [
        Passage(page=1, start=match.start(), end=match.end(), text=match[0], lang="ru")
        for match in PARAGRAPH.finditer(text)
    ]
    quality = PageQuality(grade=1.0, letters=len(text), letter_ratio=0.8, cyrillic_ratio=0.9)
    document = ExtractedDocument(
        path=str(SEED),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        status=DocumentStatus.OK,
        lang="ru",
        text=text,
        pages=[Page(number=1, width=595, height=842, text=text, engine="md", quality=quality)],
        passages=passages,
    )
    return document, predict_document(document, trained_predictor(default_model, taxonomy), "md")


def test_default_model_is_small_and_loads(default_model):
    path = version_folder(MODELS, default_model.version) / MODEL_FILE
    assert path.stat().st_size < 5_000_000
    assert set(default_model.classifiers) == set(GROUPS)


# Holds on any processor: every formation type's and function's score on the seed paper is at
# least 0.38 above its threshold (measured on 2026-12-07), far beyond what rounding moves.
def test_seed_paper_gets_all_formation_types_and_most_functions(seed_prediction, taxonomy):
    _, prediction = seed_prediction
    assert set(prediction.labels("formation_type")) == set(taxonomy.group_ids("formation_type"))
    functions = taxonomy.group_ids("functions")
    assert len(prediction.labels("functions")) >= 0.7 * len(functions)


def test_seed_paper_gets_seven_functions_and_the_specialised_forms(seed_prediction):
    _, prediction = seed_prediction
    assert prediction.relevance.relevant
    assert len(prediction.labels("functions")) >= 7
    forms = set(prediction.labels("institutional_forms"))
    assert {"specialized_org", "association", "digital_platform"} <= forms


@pytest.mark.parametrize("label", ["territorial", "multicluster_initiative", "national_network"])
def test_seed_paper_evidence_is_the_papers_own_text_about_the_label(
    seed_prediction, taxonomy, label
):
    document, prediction = seed_prediction
    evidence = prediction.evidence[label]
    assert evidence
    for item in evidence:
        assert document.text[item.start : item.end] == item.text
    cues = [
        cue_regex(cue) for cue in (*taxonomy.label(label).cues.ru, *taxonomy.label(label).cues.en)
    ]
    assert any(cue.search(item.text) for item in evidence for cue in cues)


# How far micro-F1 may move from the figure metrics.json records. The 4-bit e5 engine is not
# bit-identical across processors, so a document near a threshold can flip: on one machine
# functions came out at 0.6893 against the recorded 0.6875 (one document). Measured with
# `benchmarks/model_spread.py` (BENCHMARKS.md, "Default model under moved embeddings"):
# moving every vector by 1e-3 of its length flips nothing, by 1e-2 (far more than rounding)
# changes at most 2 of the 58 documents and micro-F1 by at most 0.0034 in any group. 0.01 is
# about three times that; a retrained or broken model moves further.
F1_SPREAD = 0.01


@pytest.mark.slow  # embeds the 162 test documents with e5: minutes on two cores
def test_default_model_beats_the_keyword_baseline_on_the_test_split(default_model, taxonomy):
    test = split(load_labeled_texts(CORPUS / "labels.jsonl", taxonomy), "test")
    # through the guard, as tagging runs it and as training records its figures
    settings = load_classify_settings()
    shipped = guarded_classifiers(default_model.classifiers, taxonomy, settings, floor=True)
    keyword = guarded_classifiers(keyword_classifiers(taxonomy), taxonomy, settings, floor=False)
    model = evaluate_classifiers(shipped, test, taxonomy)
    baseline = evaluate_classifiers(keyword, test, taxonomy)
    recorded = read_metrics(MODELS, default_model.version)["test"]
    for group in GROUPS:
        assert model[group]["micro"]["f1"] > baseline[group]["micro"]["f1"], group
        assert model[group]["micro"]["f1"] == pytest.approx(
            recorded[group]["micro"]["f1"], abs=F1_SPREAD
        ), group
