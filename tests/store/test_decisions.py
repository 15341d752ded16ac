"""Decisions per document and group: a later one supersedes, both are kept, training reads them."""

from __future__ import annotations

import pytest
from review_store import build_document, store_tagged

from cluster_nlp.classify.data import LabeledText, decision_texts, merge_decisions
from cluster_nlp.corpus.schema import LabelSet
from cluster_nlp.records import Decision
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import (
    LabelAction,
    current_decisions,
    decide_label,
    decision_history,
    latest_decisions,
    save_decision,
    save_group_decision,
)
from cluster_nlp.store.predictions import newest_prediction
from cluster_nlp.taxonomy import GROUPS, load_taxonomy


@pytest.fixture
def stored(store_url):
    sessions = open_store(store_url)
    document = build_document(
        "inbox/a.pdf",
        [
            "Территориальный кластер искусственного интеллекта поддерживает стартапы; ассоциация "
            "проводит конференции."
        ],
    )
    return sessions, store_tagged(sessions, document)


def test_a_later_decision_supersedes_the_earlier_and_both_are_kept(stored):
    sessions, document_id = stored
    first = save_group_decision(sessions, document_id, "functions", ["startup_support"], "ann")
    second = save_group_decision(
        sessions, document_id, "functions", ["applied_rnd"], "bob", note="reread"
    )
    assert second.supersedes_id == first.id
    history = decision_history(sessions, document_id)
    assert [decision.id for decision in history] == [second.id, first.id]
    holding = current_decisions(sessions)[(document_id, "functions")]
    assert (holding.labels, holding.analyst, holding.note) == (["applied_rnd"], "bob", "reread")


def test_decisions_on_other_groups_do_not_supersede_each_other(stored):
    sessions, document_id = stored
    save_group_decision(sessions, document_id, "functions", ["startup_support"], "ann")
    other = save_group_decision(sessions, document_id, "formation_type", [], "ann")
    assert other.supersedes_id is None
    (decision,) = latest_decisions(sessions)
    assert decision.functions == ["startup_support"]
    assert decision.formation_type == []
    assert decision.institutional_forms is None  # never decided


def test_the_prediction_is_never_changed_by_a_decision(stored):
    sessions, document_id = stored
    before = newest_prediction(sessions, document_id)
    for label in before.groups["functions"].scores:
        decide_label(sessions, document_id, "functions", label, LabelAction.REJECT, "ann")
    assert newest_prediction(sessions, document_id) == before


@pytest.mark.parametrize(
    ("action", "label", "expected"),
    [
        (LabelAction.REJECT, "first", lambda predicted: predicted[1:]),
        (LabelAction.ADD, "ethics_social", lambda predicted: [*predicted, "ethics_social"]),
        (LabelAction.ACCEPT, "first", lambda predicted: predicted),
    ],
)
def test_a_click_changes_the_labels_as_they_hold_now(stored, action, label, expected):
    sessions, document_id = stored
    predicted = newest_prediction(sessions, document_id).labels("functions")
    assert predicted, "the fixture's text carries function cues"
    label = predicted[0] if label == "first" else label
    decision = decide_label(sessions, document_id, "functions", label, action, "ann", "why")
    assert decision.labels == expected(predicted)
    again = decide_label(sessions, document_id, "functions", "ethics_social", action, "ann")
    assert again.supersedes_id == decision.id


def test_a_whole_document_decision_is_stored_group_by_group(stored):
    sessions, document_id = stored
    rows = save_decision(
        sessions,
        Decision(document_id=document_id, analyst="ann", functions=["applied_rnd"], note="x"),
    )
    assert [row.group for row in rows] == ["functions"]


def test_training_reads_decided_groups_and_keeps_the_models_labels_elsewhere(stored):
    sessions, document_id = stored
    save_group_decision(sessions, document_id, "functions", ["ethics_social"], "ann")
    taxonomy = load_taxonomy()
    (example,) = decision_texts(sessions, taxonomy)
    predicted = newest_prediction(sessions, document_id)
    assert example.labels.functions == ["ethics_social"]
    assert example.labels.formation_type == predicted.labels("formation_type")
    assert example.reviewed_groups == ("functions",)


def test_a_decision_on_a_corpus_document_replaces_only_the_decided_groups():
    corpus = LabeledText(
        doc_id="ru-001",
        text="t",
        lang="ru",
        genre="news",
        split="test",
        labels=LabelSet(formation_type=["territorial"], functions=["applied_rnd"]),
        sha256="a" * 64,
    )
    decided = LabeledText(
        doc_id="a" * 64,
        text="t",
        lang="ru",
        genre="reviewed",
        split="train",
        labels=LabelSet(formation_type=["national_network"], functions=["ethics_social"]),
        sha256="a" * 64,
        reviewed_groups=("functions",),
    )
    (merged,) = merge_decisions([corpus], [decided])
    assert merged.split == "test"
    assert merged.labels.formation_type == ["territorial"]
    assert merged.labels.functions == ["ethics_social"]
    assert {group: merged.labels.ids(group) for group in GROUPS}["institutional_forms"] == []
