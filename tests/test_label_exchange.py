"""Reviewed labels out (corpus, Label Studio, Prodigy, spaCy) and back in, on test-made stores."""

from __future__ import annotations

import json

import pytest
from review_store import build_document, entity, store_tagged

from cluster_nlp.classify.data import load_labeled_texts
from cluster_nlp.label_exchange import (
    ExchangeError,
    export_labels,
    import_labels,
    read_labels,
    reviewed_documents,
)
from cluster_nlp.label_formats import ExchangeFormat
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import current_decisions, save_group_decision
from cluster_nlp.store.documents import load_document
from cluster_nlp.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
DECIDED = {"functions": ["startup_support", "ethics_social"], "formation_type": []}


@pytest.fixture
def reviewed(tmp_path):
    """A store with two documents, one of them decided in two groups."""
    sessions = open_store(f"sqlite:///{tmp_path}/source.db")
    document = build_document(
        "inbox/moscow.pdf",
        ["Технопарк в Москве поддерживает стартапы.", "Ассоциация проводит конференции."],
    )
    document_id = store_tagged(
        sessions, document, [entity(document, "Москве", "LOC", region_code="RU-MOW")]
    )
    store_tagged(sessions, build_document("inbox/other.pdf", ["Без решения аналитика."]))
    for group, labels in DECIDED.items():
        save_group_decision(sessions, document_id, group, labels, "ann")
    return sessions, document_id


def decided(sessions) -> dict:
    return {
        (document, group): decision.labels
        for (document, group), decision in current_decisions(sessions).items()
    }


def test_only_reviewed_documents_are_exported_with_their_decided_groups(reviewed):
    sessions, document_id = reviewed
    (document,) = reviewed_documents(sessions)
    assert document.id == document_id
    assert sorted(document.reviewed_groups) == sorted(DECIDED)
    assert document.labels.functions == DECIDED["functions"]
    assert [e.text for e in document.entities] == ["Москве"]


@pytest.mark.parametrize(
    ("fmt", "name"), [(ExchangeFormat.LABEL_STUDIO, "ls.json"), (ExchangeFormat.PRODIGY, "p.jsonl")]
)
def test_round_trip_into_the_same_store_matches_by_id(reviewed, tmp_path, fmt, name):
    sessions, document_id = reviewed
    out = tmp_path / name
    assert export_labels(sessions, TAXONOMY, fmt, out) == (1, [])
    records, errors = read_labels(out, fmt, TAXONOMY)
    assert errors == []
    before = decided(sessions)
    report = import_labels(sessions, TAXONOMY, records, "importer")
    assert (report.by_id, report.by_path, report.created) == (1, 0, 0)
    assert decided(sessions) == before  # the same labels, now decided once more


@pytest.mark.parametrize(
    ("fmt", "name"), [(ExchangeFormat.LABEL_STUDIO, "ls.json"), (ExchangeFormat.PRODIGY, "p.jsonl")]
)
def test_round_trip_into_an_empty_store_stores_the_texts(reviewed, tmp_path, fmt, name):
    sessions, document_id = reviewed
    out = tmp_path / name
    export_labels(sessions, TAXONOMY, fmt, out)
    records, _ = read_labels(out, fmt, TAXONOMY)
    fresh = open_store(f"sqlite:///{tmp_path}/fresh.db")
    report = import_labels(fresh, TAXONOMY, records, "importer")
    assert report.created == 1
    (new_id,) = {document for document, _ in decided(fresh)}
    assert load_document(fresh, new_id).text == load_document(sessions, document_id).text
    assert {group: labels for (_, group), labels in decided(fresh).items()} == DECIDED


def test_a_record_matches_a_stored_document_by_source_path(reviewed, tmp_path):
    sessions, document_id = reviewed
    task = {
        "id": 7,
        "data": {"text": "другой текст", "path": "inbox/moscow.pdf"},
        "annotations": [
            {
                "result": [
                    {
                        "from_name": "sentiment",
                        "type": "choices",
                        "value": {"choices": ["hub_center"]},
                    }
                ]
            }
        ],
    }
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([task]), "utf-8")
    records, errors = read_labels(path, ExchangeFormat.LABEL_STUDIO, TAXONOMY)
    report = import_labels(sessions, TAXONOMY, records, "importer")
    assert (errors, report.by_path) == ([], 1)
    assert decided(sessions)[(document_id, "institutional_forms")] == ["hub_center"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"text": "x", "accept": ["no_such_label"]}', "no_such_label"),
        ('{"accept": ["hub_center"]}', "no text"),
        ('["a list"]', "not a JSON object"),
    ],
)
def test_bad_prodigy_records_are_reported_and_the_others_go_on(tmp_path, line, reason):
    good = json.dumps({"text": "Хаб открыт.", "accept": ["hub_center"]}, ensure_ascii=False)
    path = tmp_path / "mixed.jsonl"
    path.write_text(f"{line}\n{good}\n", "utf-8")
    records, errors = read_labels(path, ExchangeFormat.PRODIGY, TAXONOMY)
    assert len(records) == 1 and len(errors) == 1
    assert reason in errors[0] and errors[0].startswith("mixed.jsonl:1")


def test_a_file_that_is_not_json_is_one_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(ExchangeError, match="broken.json: not JSON"):
        read_labels(path, ExchangeFormat.LABEL_STUDIO, TAXONOMY)


def test_corpus_export_reads_back_as_training_examples(reviewed, tmp_path):
    sessions, document_id = reviewed
    folder = tmp_path / "corpus"
    export_labels(sessions, TAXONOMY, ExchangeFormat.CORPUS, folder)
    (example,) = load_labeled_texts(folder / "labels.jsonl", TAXONOMY)
    assert example.labels.functions == DECIDED["functions"]
    assert example.split == "train"
    record = json.loads((folder / "labels.jsonl").read_text("utf-8"))
    source = (folder / record["source"]).read_text("utf-8")
    for span in record["entities"]:
        assert source[span["start"] : span["end"]] == span["text"]


def test_spacy_docbin_carries_entities_and_categories(reviewed, tmp_path):
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    sessions, document_id = reviewed
    path = tmp_path / "reviewed.spacy"
    assert export_labels(sessions, TAXONOMY, ExchangeFormat.SPACY, path) == (1, [])
    (doc,) = DocBin().from_disk(path).get_docs(spacy.blank("ru").vocab)
    assert [(e.text, e.label_) for e in doc.ents] == [("Москве", "LOC")]
    assert {label for label, value in doc.cats.items() if value == 1.0} >= set(DECIDED["functions"])
    assert set(doc.cats) == set(TAXONOMY.all_ids())
    assert doc.user_data["document_id"] == document_id
