"""Exports an analyst opens: fixed columns, names, scores with thresholds, evidence, BOM."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from cluster_nlp.export import (
    ENTITIES_TABLE,
    ExportFormat,
    FormatError,
    NameLanguage,
    document_rows,
    entity_rows,
    export_format,
    readable_value,
    region_name,
    tags_table,
    write_table,
    write_workbook,
)
from cluster_nlp.records import (
    DocumentStatus,
    Entity,
    Evidence,
    ExtractedDocument,
    GroupPrediction,
    Prediction,
)
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import SessionFactory, save_document
from cluster_nlp.store.entities import save_entities
from cluster_nlp.store.predictions import save_prediction
from cluster_nlp.taxonomy import load_taxonomy

DOCUMENT = "a" * 64
TEXT = (
    "Омский государственный технический университет (ОмГТУ) вошёл в Московский инновационный "
    "кластер в 2021 году. ОмГТУ и Московского инновационного кластера партнёры в Томске. "
    "Грант 300 млн рублей."
)
TAXONOMY = load_taxonomy()


def mention(text: str, label: str, occurrence: int = 0, normalized: dict | None = None) -> Entity:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(text, start + 1)
    return Entity(
        text=text,
        label=label,
        start=start,
        end=start + len(text),
        page=1,
        normalized=normalized,
        component="natasha_ner",
    )


ENTITIES = [
    mention("Омский государственный технический университет", "ORG"),
    mention("ОмГТУ", "ORG"),
    mention("Московский инновационный кластер", "CLUSTER"),
    mention("2021 году", "DATE", normalized={"date": "2021"}),
    mention("ОмГТУ", "ORG", occurrence=1),
    mention("Московского инновационного кластера", "CLUSTER"),
    mention("Томске", "LOC", normalized={"name": "Томск", "region_code": "RU-TOM"}),
    mention("300 млн рублей", "MONEY", normalized={"amount": 300000000.0, "currency": "RUB"}),
]


def evidence(text: str, page: int, score: float) -> Evidence:
    return Evidence(text=text, page=page, start=0, end=len(text), score=score)


PREDICTION = Prediction(
    document_id=DOCUMENT,
    model_version="v1",
    model_hash="h",
    taxonomy_version="t",
    extractor_version="text-1",
    thresholds={"territorial": 0.425, "startup_support": 0.5, "consortium": 0.3},
    groups={
        "formation_type": GroupPrediction(
            labels=["territorial"], scores={"territorial": 0.912345678}
        ),
        "functions": GroupPrediction(
            labels=["startup_support"],
            scores={"startup_support": 0.55},
            needs_review=["startup_support"],
        ),
        "institutional_forms": GroupPrediction(
            labels=[], scores={"consortium": 0.2875}, needs_review=["consortium"]
        ),
    },
    evidence={
        "territorial": [
            evidence("слабый довод", 1, 0.2),
            evidence("кластер на территории региона", 3, 0.9),
            evidence("технопарк региона", 2, 0.7),
            evidence("наукоград", 4, 0.5),
        ],
        "consortium": [evidence("не назначена", 1, 0.9)],
    },
)


def make_store(url: str, tagged: bool = True) -> SessionFactory:
    sessions = open_store(url)
    if tagged:
        save_document(
            sessions,
            ExtractedDocument(
                path="inbox/отчёт.pdf",
                sha256=DOCUMENT,
                status=DocumentStatus.OK,
                lang="ru",
                title="Кластеры Омска",
                text=TEXT,
            ),
            size_bytes=100,
        )
        save_entities(sessions, DOCUMENT, "ner-1", ENTITIES)
        save_prediction(sessions, PREDICTION)
    return sessions


@pytest.fixture
def store(tmp_path: Path) -> SessionFactory:
    return make_store(f"sqlite:///{tmp_path}/store.db")


@pytest.fixture
def empty_store(tmp_path: Path) -> SessionFactory:
    return make_store(f"sqlite:///{tmp_path}/empty.db", tagged=False)


@pytest.mark.parametrize(
    ("out", "asked", "expected"),
    [
        (None, None, ExportFormat.JSONL),
        (None, ExportFormat.CSV, ExportFormat.CSV),
        ("x.csv", None, ExportFormat.CSV),
        ("x.CSV", ExportFormat.CSV, ExportFormat.CSV),
        ("x.parquet", None, ExportFormat.PARQUET),
        ("x.xlsx", None, ExportFormat.XLSX),
        ("x.jsonl", None, ExportFormat.JSONL),
        ("x.txt", ExportFormat.CSV, ExportFormat.CSV),
    ],
)
def test_the_format_follows_the_suffix(out, asked, expected):
    assert export_format(Path(out) if out else None, asked) is expected


@pytest.mark.parametrize(
    ("out", "asked", "message"),
    [
        ("x.csv", ExportFormat.JSONL, "--format jsonl disagrees with 'x.csv'"),
        ("x.parquet", ExportFormat.CSV, "--format csv disagrees"),
        ("x.txt", None, "cannot tell the format of 'x.txt'"),
        (None, ExportFormat.PARQUET, "parquet is binary"),
        (None, ExportFormat.XLSX, "xlsx is binary"),
    ],
)
def test_a_format_that_disagrees_is_refused(out, asked, message):
    with pytest.raises(FormatError, match=message):
        export_format(Path(out) if out else None, asked)


@pytest.mark.parametrize(
    ("label", "normalized", "expected"),
    [
        ("MONEY", {"amount": 300000000.0, "currency": "RUB"}, "300000000 RUB"),
        ("MONEY", {"amount": 1500000.5, "currency": "USD"}, "1500000.5 USD"),
        ("MONEY", {"amount": 1e12, "currency": None}, "1000000000000"),
        ("PERCENT", {"percent": 15.0}, "15%"),
        ("LOC", {"name": "Томск", "region_code": "RU-TOM"}, "Томск"),
        ("DATE", {"date": "2021-03"}, "2021-03"),
        ("ORG", None, None),
    ],
)
def test_readable_values_never_use_exponents(label, normalized, expected):
    assert readable_value(label, normalized) == expected


@pytest.mark.parametrize(
    ("code", "names", "expected"),
    [
        ("RU-TOM", NameLanguage.RU, "Томская область"),
        ("RU-TOM", NameLanguage.EN, "Tomsk Oblast"),
        ("RU-TOM", NameLanguage.ID, "RU-TOM"),
        ("RU-MOW", NameLanguage.RU, "Москва"),
        (None, NameLanguage.RU, None),
    ],
)
def test_region_names(code, names, expected):
    assert region_name(code, names) == expected


@pytest.mark.parametrize(
    ("names", "territorial", "uncertain", "close", "region"),
    [
        (NameLanguage.ID, "territorial", ["startup_support"], ["consortium"], "RU-TOM"),
        (
            NameLanguage.RU,
            "инновационный территориальный кластер",
            [TAXONOMY.label("startup_support").ru],
            [TAXONOMY.label("consortium").ru],
            "Томская область",
        ),
        (
            NameLanguage.EN,
            "innovative territorial cluster",
            [TAXONOMY.label("startup_support").en],
            [TAXONOMY.label("consortium").en],
            "Tomsk Oblast",
        ),
    ],
)
def test_document_row_names_labels_and_keeps_review_kinds_apart(
    store, names, territorial, uncertain, close, region
):
    (row,) = document_rows(store, "v1", TAXONOMY, names)
    assert (row["path"], row["title"]) == ("inbox/отчёт.pdf", "Кластеры Омска")
    assert row["formation_type"] == [territorial]
    assert row["uncertain_labels"] == uncertain
    assert row["close_labels"] == close
    assert row["regions"] == ["RU-TOM"] and row["region_names"] == [region]


def test_scores_are_rounded_beside_their_thresholds(store):
    (row,) = document_rows(store, "v1", TAXONOMY)
    assert (row["territorial_score"], row["territorial_threshold"]) == (0.912, 0.425)
    assert (row["consortium_score"], row["consortium_threshold"]) == (0.287, 0.3)
    assert row["association_score"] is None
    assert set(tags_table(TAXONOMY).columns) >= {f"{x}_score" for x in TAXONOMY.all_ids()}


def test_evidence_is_the_best_three_passages_of_assigned_labels(store):
    (row,) = document_rows(store, "v1", TAXONOMY, NameLanguage.ID)
    assert row["evidence"] == [
        "territorial (p. 3): кластер на территории региона",
        "territorial (p. 2): технопарк региона",
        "territorial (p. 4): наукоград",
    ]


def test_top_entities_count_canonical_names_and_no_dates(store):
    (row,) = document_rows(store, "v1", TAXONOMY)
    top = row["top_entities"]
    assert top[:2] == [
        "ORG:Омский государственный технический университет",
        "CLUSTER:Московский инновационный кластер",
    ]
    assert not any(name.startswith(("DATE:", "MONEY:")) for name in top)
    assert len(top) == len(set(top)) == 3


def test_entity_rows_name_the_document_and_the_canonical_entity(store):
    rows = entity_rows(store)
    assert {(row["path"], row["title"]) for row in rows} == {("inbox/отчёт.pdf", "Кластеры Омска")}
    by_text = {row["text"]: row for row in rows}
    assert by_text["ОмГТУ"]["canonical"] == "Омский государственный технический университет"
    assert by_text["300 млн рублей"]["value"] == "300000000 RUB"
    assert by_text["Томске"]["region_name"] == "Томская область"


def read_csv(path: Path, separator: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig")), delimiter=separator))


@pytest.mark.parametrize("separator", [",", ";"])
def test_tags_csv_starts_with_a_bom_and_reads_as_cyrillic(store, tmp_path: Path, separator):
    out = tmp_path / "tags.csv"
    rows = document_rows(store, "v1", TAXONOMY, NameLanguage.RU)
    write_table(rows, tags_table(TAXONOMY), ExportFormat.CSV, out, separator)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    header = out.read_text("utf-8-sig").splitlines()[0]
    assert header.startswith(separator.join(["id", "path", "title"]))
    (row,) = read_csv(out, separator)
    assert row["title"] == "Кластеры Омска"
    assert row["formation_type"] == "инновационный территориальный кластер"
    assert row["territorial_score"] == "0.912"


@pytest.mark.parametrize(
    ("table", "rows"),
    [("tags", lambda s: document_rows(s, "v1", TAXONOMY)), ("entities", entity_rows)],
)
def test_an_empty_store_still_writes_every_column(empty_store, tmp_path: Path, table, rows):
    spec = tags_table(TAXONOMY) if table == "tags" else ENTITIES_TABLE
    out = tmp_path / f"{table}.csv"
    write_table(rows(empty_store), spec, ExportFormat.CSV, out)
    assert out.read_text("utf-8-sig").splitlines() == [",".join(spec.columns)]


def test_the_parquet_schema_does_not_change_with_the_data(store, empty_store, tmp_path: Path):
    schemas = []
    for name, sessions in (("full", store), ("empty", empty_store)):
        out = tmp_path / f"{name}.parquet"
        write_table(
            document_rows(sessions, "v1", TAXONOMY), tags_table(TAXONOMY), ExportFormat.PARQUET, out
        )
        schemas.append(pq.read_schema(out).remove_metadata())
    assert schemas[0] == schemas[1] == tags_table(TAXONOMY).schema
    table = pq.read_table(tmp_path / "full.parquet").to_pylist()
    assert table[0]["territorial_score"] == 0.912 and table[0]["regions"] == ["RU-TOM"]


def test_a_workbook_has_one_sheet_per_table_and_keeps_formulas_as_text(store, tmp_path: Path):
    out = tmp_path / "export.xlsx"
    entities = entity_rows(store) + [{"text": "=SUM(A1:A9)", "label": "ORG"}]
    write_workbook(
        [(tags_table(TAXONOMY), document_rows(store, "v1", TAXONOMY)), (ENTITIES_TABLE, entities)],
        out,
    )
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["tags", "entities"]
    tags = list(workbook["tags"].values)
    assert list(tags[0][:3]) == ["id", "path", "title"] and tags[1][2] == "Кластеры Омска"
    cells = [row[ENTITIES_TABLE.columns.index("text")] for row in workbook["entities"].values]
    assert "=SUM(A1:A9)" in cells and workbook["entities"].cell(len(cells), 5).data_type == "s"


def test_jsonl_keeps_lists_as_lists(store, tmp_path: Path):
    out = tmp_path / "tags.jsonl"
    write_table(document_rows(store, "v1", TAXONOMY), tags_table(TAXONOMY), ExportFormat.JSONL, out)
    (row,) = map(json.loads, out.read_text("utf-8").splitlines())
    assert row["formation_type"] == ["territorial"] and row["regions"] == ["RU-TOM"]
