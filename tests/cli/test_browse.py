"""``show``, ``list``, ``search`` and ``forget`` on a small store tagged by the keyword baseline."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from review_store import build_document, entity, store_network_and_novosibirsk, store_tagged
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.records import Decision
from cluster_nlp.store.claims import claim
from cluster_nlp.store.db import open_store
from cluster_nlp.store.decisions import save_decision
from cluster_nlp.store.search import search_hits, store_passage_vectors

runner = CliRunner()
MOSCOW_CLUSTER = "Московский инновационный кластер"
OMGTU = "Омский государственный технический университет (ОмГТУ)"


@dataclass
class Store:
    url: str
    path: Path
    ids: dict[str, str]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    path = tmp_path / "store.db"
    url = f"sqlite:///{path}"
    sessions = open_store(url)
    moscow = build_document(
        "inbox/moscow [draft].pdf",
        [
            f"{MOSCOW_CLUSTER} поддерживает стартапы в области искусственного интеллекта "
            "и проводит конференции для разработчиков ИИ.",
            f"{OMGTU} и ОмГТУ подписали соглашение о подготовке специалистов в Москве.",
        ],
        title="Московский кластер ИИ",
    )
    ids = {
        "moscow": store_tagged(
            sessions,
            moscow,
            [
                entity(moscow, MOSCOW_CLUSTER, "CLUSTER"),
                entity(moscow, OMGTU.split(" (")[0], "ORG"),
                entity(moscow, "ОмГТУ", "ORG"),
                entity(moscow, "Москве", "LOC", region_code="RU-MOW", country_code="RU"),
            ],
        ),
        **store_network_and_novosibirsk(sessions),
    }
    return Store(url=url, path=path, ids=ids)


def invoke(*args: str):
    return runner.invoke(app, [str(arg) for arg in args])


def as_json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("reference", "found"),
    [
        ("moscow", "moscow"),  # replaced by the full id in the test
        ("moscow:8", "moscow"),  # an 8-character prefix
        ("inbox/nsk.pdf", "nsk"),
        ("inbox/moscow [draft].pdf", "moscow"),
    ],
)
def test_show_finds_a_document_by_id_prefix_or_path(store: Store, reference: str, found: str):
    if reference == "moscow":
        reference = store.ids["moscow"]
    elif reference.endswith(":8"):
        reference = store.ids[reference[:-2]][:8]
    view = as_json(invoke("show", reference, "--db", store.url, "--json"))
    assert view["id"] == store.ids[found]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("inbox/missing.pdf", "no stored document is 'inbox/missing.pdf'"),
        ("ab", "no stored document is 'ab'"),
        ("0000000000", "no stored document is '0000000000'"),
    ],
)
def test_show_refuses_what_names_no_document(store: Store, reference: str, message: str):
    result = invoke("show", reference, "--db", store.url)
    assert result.exit_code == 2 and message in result.output


def test_show_json_names_labels_scores_thresholds_and_review_marks(store: Store):
    view = as_json(invoke("show", store.ids["moscow"], "--db", store.url, "--json"))
    assert view["title"] == "Московский кластер ИИ" and view["path"] == "inbox/moscow [draft].pdf"
    labels = [label for group in view["groups"] for label in group["labels"]]
    assert labels, "the keyword baseline tags the Moscow document"
    for label in labels:
        assert label["name"] != label["id"]  # Russian names by default
        assert label["threshold"] is not None and label["score"] is not None
        expected = {True: "uncertain", False: "close"}[label["assigned"]]
        assert label["review"] in (None, expected)
        assert all(item["page"] == 1 and item["text"] for item in label["evidence"])
    assert any(label["evidence"] for label in labels)
    assert {"code": "RU-MOW", "name": "Москва"} in view["regions"]


def test_show_names_entities_canonically_with_regions(store: Store):
    view = as_json(invoke("show", store.ids["moscow"], "--db", store.url, "--json"))
    entities = {(e["label"], e["name"]): e for e in view["entities"]}
    university = entities[("ORG", "Омский государственный технический университет")]
    assert university["mentions"] == 2  # the acronym is linked to its full name
    moscow = next(e for e in view["entities"] if e["region"] == "RU-MOW")
    assert moscow["region_name"] == "Москва"


def test_show_prints_a_readable_layout_with_brackets_as_written(store: Store):
    result = invoke("show", store.ids["moscow"], "--db", store.url)
    assert result.exit_code == 0, result.output
    for expected in ("inbox/moscow [draft].pdf", "threshold", "formation_type", "entities"):
        assert expected in result.stdout
    assert "Омский государственный технический университет" in result.stdout


def test_show_lists_decisions_with_their_analyst(store: Store):
    sessions = open_store(store.url)
    save_decision(
        sessions,
        Decision(document_id=store.ids["nsk"], analyst="anna", functions=[]),
    )
    view = as_json(invoke("show", store.ids["nsk"], "--db", store.url, "--json"))
    assert [(d["analyst"], d["group"]) for d in view["decisions"]] == [("anna", "functions")]
    assert view["review"] == "partly"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([], {"moscow", "network", "nsk"}),
        (["--lang", "en"], {"network"}),
        (["--region", "RU-NVS"], {"nsk"}),
        (["--status", "ok"], {"moscow", "network", "nsk"}),
        (["--status", "failed"], set()),
        (["--label", "territorial"], {"nsk"}),
        (["--model-version", "keyword"], {"moscow", "network", "nsk"}),
        (["--model-version", "v-none"], set()),
    ],
)
def test_list_filters(store: Store, filters: list[str], expected: set[str]):
    payload = as_json(invoke("list", "--db", store.url, "--json", *filters))
    names = {name for name, id_ in store.ids.items() if id_ in {i["id"] for i in payload["items"]}}
    assert names == expected and payload["total"] == len(expected)


def test_list_needs_review_splits_the_documents(store: Store):
    flagged = as_json(invoke("list", "--db", store.url, "--json", "--needs-review"))
    clear = as_json(invoke("list", "--db", store.url, "--json", "--no-needs-review"))
    assert flagged["total"] + clear["total"] == 3
    assert all(item["needs_review"] for item in flagged["items"])
    assert not any(item["needs_review"] for item in clear["items"])


def test_list_pages(store: Store):
    first = as_json(invoke("list", "--db", store.url, "--json", "--limit", "2"))
    second = as_json(invoke("list", "--db", store.url, "--json", "--limit", "2", "--page", "2"))
    assert (first["pages"], len(first["items"]), len(second["items"])) == (2, 2, 1)
    assert {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]} == set(
        store.ids.values()
    )


def test_list_refuses_an_unknown_label(store: Store):
    result = invoke("list", "--db", store.url, "--label", "nonsense")
    assert result.exit_code == 2 and "unknown label id 'nonsense'" in result.output


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("кластер", {"moscow", "nsk"}),
        ("Новосибирск", {"nsk"}),
        ("startups grants", {"network"}),
        ("nothingmatcheshere", set()),
    ],
)
def test_search_finds_documents_with_a_snippet(store: Store, query: str, expected: set[str]):
    hits = as_json(invoke("search", query, "--db", store.url, "--json"))
    assert {name for name, id_ in store.ids.items() if id_ in {h["id"] for h in hits}} == expected
    for hit in hits:
        marked = [hit["snippet"][start:end] for start, end in hit["matches"]]
        assert marked and all(
            any(m.casefold().startswith(w.casefold()) for w in query.split()) for m in marked
        )
    assert [hit["rank"] for hit in hits] == list(range(1, len(hits) + 1))


def test_search_prints_a_table_and_refuses_an_empty_query(store: Store):
    result = invoke("search", "Новосибирск", "--db", store.url)
    assert result.exit_code == 0 and "inbox/nsk.pdf" in result.stdout
    assert invoke("search", "  ?! ", "--db", store.url).exit_code == 2


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("консорциум", ["консорциум"]),
        ("подписали", ["подписали"]),  # in the second paragraph, after a line break
        ("platf", ["platform"]),  # a prefix matches the whole word
    ],
)
def test_snippet_marks_sit_on_the_matched_words(store: Store, query: str, marked: list[str]):
    (hit,) = search_hits(open_store(store.url), query)
    assert [hit.snippet[start:end] for start, end in hit.marks] == marked
    assert "\n" not in hit.snippet and "\x02" not in hit.snippet


TABLES_WITH_DOCUMENT_ID = (
    "document_paths",
    "pages",
    "passages",
    "tables",
    "entity_extractions",
    "entities",
    "predictions",
    "decisions",
    "work_claims",
)


def vector_count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM passage_vectors").fetchone()[0]


def rows_of(path: Path, document_id: str) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        counts = {
            table: connection.execute(
                f"SELECT count(*) FROM {table} WHERE document_id = ?", (document_id,)
            ).fetchone()[0]
            for table in TABLES_WITH_DOCUMENT_ID
        }
        counts["documents"] = connection.execute(
            "SELECT count(*) FROM documents WHERE id = ?", (document_id,)
        ).fetchone()[0]
        counts["fts"] = connection.execute(
            "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH 'Новосибирске'"
        ).fetchone()[0]
    return counts


def assert_consistent(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert (
            connection.execute(
                "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)"
            )
            is not None
        )
        for table in TABLES_WITH_DOCUMENT_ID:
            orphans = connection.execute(
                f"SELECT count(*) FROM {table} WHERE document_id NOT IN (SELECT id FROM documents)"
            ).fetchone()[0]
            assert orphans == 0, table


class OnesEmbedder:
    """Stands in for e5: every passage gets the same unit vector."""

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32) / 2


@pytest.mark.parametrize("reference", ["id", "path"])
def test_forget_removes_every_row_of_the_document(store: Store, reference: str):
    target = store.ids["nsk"]
    sessions = open_store(store.url)
    store_passage_vectors(sessions, OnesEmbedder(), "test")
    assert claim(sessions, "tags", [target], "run-1", ttl_s=600)
    before = rows_of(store.path, target)
    assert before["passages"] == before["work_claims"] == 1
    vectors = vector_count(store.path)  # kept per passage text: this document's text goes
    given = target if reference == "id" else "inbox/nsk.pdf"
    result = invoke("forget", given, "--db", store.url)
    assert result.exit_code == 0, result.output
    assert "forgot inbox/nsk.pdf" in result.stdout
    assert set(rows_of(store.path, target).values()) == {0}
    assert vector_count(store.path) == vectors - 1
    assert_consistent(store.path)
    listed = as_json(invoke("list", "--db", store.url, "--json"))
    assert {item["id"] for item in listed["items"]} == {store.ids["moscow"], store.ids["network"]}


def test_forget_keeps_a_document_with_decisions_unless_told(store: Store):
    target = store.ids["nsk"]
    save_decision(
        open_store(store.url),
        Decision(document_id=target, analyst="anna", functions=[]),
    )
    refused = invoke("forget", target, "--db", store.url)
    assert refused.exit_code == 1 and "--with-decisions" in refused.output
    assert rows_of(store.path, target)["decisions"] == 1
    assert rows_of(store.path, target)["passages"] == 1  # nothing was deleted
    done = invoke("forget", target, "--db", store.url, "--with-decisions")
    assert done.exit_code == 0, done.output
    assert set(rows_of(store.path, target).values()) == {0}
    assert_consistent(store.path)


@pytest.mark.parametrize(("content", "found"), [("same", True), ("other", False)])
def test_forget_finds_a_moved_file_by_its_bytes(store: Store, tmp_path: Path, content, found):
    moved = tmp_path / "renamed.pdf"
    # review_store's documents have the SHA-256 of these bytes as their id
    stored = "inbox/nsk.pdf\n" + (
        "Территориальный кластер искусственного интеллекта в Новосибирске развивает "
        "трансфер технологий и консорциум."
    )
    moved.write_bytes(stored.encode() if content == "same" else b"other bytes")
    result = invoke("forget", moved, "--db", store.url)
    if found:
        assert result.exit_code == 0 and "forgot inbox/nsk.pdf" in result.stdout
        assert rows_of(store.path, store.ids["nsk"])["documents"] == 0
    else:
        assert result.exit_code == 2 and "no stored document is" in result.output
        assert rows_of(store.path, store.ids["nsk"])["documents"] == 1
