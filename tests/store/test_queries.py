"""The review app's core queries: the documents table, the queue, a document, the regions."""

from __future__ import annotations

import pytest
from review_store import build_document, entity, store_tagged

from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import save_group_decision
from cluster_nlp.store.queries import (
    Band,
    DocumentFilters,
    ReviewStatus,
    cluster_region,
    list_documents,
    region_counts,
    review_queue,
    show_document,
)
from cluster_nlp.taxonomy import GROUPS

PARAGRAPHS = {
    "a": ["Территориальный кластер поддерживает стартапы в Москве.", "Консорциум вузов."],
    "b": ["Ассоциация проводит конференции и хакатоны.", "Мультикластер объединяет отрасли."],
    "c": ["Национальная платформа не связанная с территорией, сетевое взаимодействие."],
    "d": ["Отчёт о работе без ключевых слов."],
}


@pytest.fixture
def stored(tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path}/queries.db")
    ids = {}
    for name, paragraphs in PARAGRAPHS.items():
        document = build_document(f"inbox/{name}.pdf", paragraphs, title=f"Документ {name}")
        found = []
        if "Москве" in document.text:
            found.append(entity(document, "Москве", "LOC", region_code="RU-MOW"))
        ids[name] = store_tagged(sessions, document, found)
    return sessions, ids


def test_filters_by_label_language_region_and_review(stored):
    sessions, ids = stored
    everything = list_documents(sessions, DocumentFilters())
    assert everything.total == 4
    some = everything.items[0]
    for group in GROUPS:
        for label in some.labels[group]:
            page = list_documents(sessions, DocumentFilters(**{group: label}))
            assert all(label in item.labels[group] for item in page.items)
            assert some.id in {item.id for item in page.items}
    assert list_documents(sessions, DocumentFilters(lang="en")).total == 0
    assert [i.id for i in list_documents(sessions, DocumentFilters(region="RU-MOW")).items] == [
        ids["a"]
    ]
    save_group_decision(sessions, ids["b"], "functions", [], "ann")
    partly = list_documents(sessions, DocumentFilters(review=ReviewStatus.PARTLY))
    assert [item.id for item in partly.items] == [ids["b"]]
    assert list_documents(sessions, DocumentFilters(review=ReviewStatus.UNREVIEWED)).total == 3


def test_a_decision_changes_the_labels_the_table_filters_by(stored):
    sessions, ids = stored
    save_group_decision(sessions, ids["d"], "functions", ["ethics_social"], "ann")
    page = list_documents(sessions, DocumentFilters(functions="ethics_social"))
    assert ids["d"] in [item.id for item in page.items]


def test_bands_partition_the_tagged_documents(stored):
    sessions, _ = stored
    counts = {band: list_documents(sessions, DocumentFilters(band=band)).total for band in Band}
    assert sum(counts.values()) == 4


@pytest.mark.parametrize("per_page", [1, 2, 3])
def test_pages_cover_every_document_once(stored, per_page):
    sessions, ids = stored
    seen = []
    page_number = 1
    while True:
        page = list_documents(
            sessions, DocumentFilters(page=page_number, per_page=per_page, sort="title")
        )
        seen += [item.id for item in page.items]
        if page_number >= page.pages:
            break
        page_number += 1
    assert sorted(seen) == sorted(ids.values())
    assert [i.name for i in list_documents(sessions, DocumentFilters(sort="title")).items] == [
        f"Документ {name}" for name in "abcd"
    ]


def test_the_queue_puts_the_least_certain_first_and_drops_decided_documents(stored):
    sessions, ids = stored
    queue = review_queue(sessions)
    keys = [(not item.needs_review, item.margin) for item in queue]
    assert keys == sorted(keys)
    first = queue[0].id
    for group in GROUPS:
        save_group_decision(sessions, first, group, [], "ann")
    assert first not in [item.id for item in review_queue(sessions)]


def test_a_document_shows_its_pages_entities_labels_and_evidence(stored):
    sessions, ids = stored
    detail = show_document(sessions, ids["a"])
    (page,) = detail.pages
    assert [p.start for p in page.passages] == sorted(p.start for p in page.passages)
    segments = [s for p in page.passages for s in p.segments]
    assert "".join(s.text for s in page.passages[0].segments) == PARAGRAPHS["a"][0]
    assert [s.text for s in segments if s.entity == "LOC"] == ["Москве"]
    passage_ids = {p.id for p in page.passages}
    for group in detail.groups:
        for label in group.labels:
            assert 0.0 <= label.probability <= 1.0
            assert all(item.passage_id in passage_ids for item in label.evidence)
    assert show_document(sessions, "f" * 64) is None


def test_regions_count_documents_and_carry_named_clusters(stored):
    sessions, ids = stored
    document = build_document("inbox/cluster.pdf", ["Московский инновационный кластер растёт."])
    store_tagged(
        sessions, document, [entity(document, "Московский инновационный кластер", "CLUSTER")]
    )
    (moscow,) = [row for row in region_counts(sessions) if row.code == "RU-MOW"]
    assert moscow.documents == 2
    assert moscow.clusters == ["Московский инновационный кластер"]


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("Московский инновационный кластер", "RU-MOW"),
        ("Новосибирский кластер ИИ", "RU-NVS"),
        ("Кластер будущего", None),
    ],
)
def test_a_named_cluster_carries_its_region(name, region):
    assert cluster_region(name) == region
