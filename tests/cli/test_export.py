"""``export``: one row per stored document (or entity), as JSONL, CSV, Parquet or Excel."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.records import (
    DocumentStatus,
    Entity,
    ErrorClass,
    ExtractedDocument,
    GroupPrediction,
    Prediction,
)
from cluster_nlp.registry import CURRENT_FILE
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import failed_document, save_document
from cluster_nlp.store.entities import save_entities
from cluster_nlp.store.predictions import save_prediction

runner = CliRunner()
TAGGED, FAILED = "a" * 64, "f" * 64
TEXT = "Технопарк в Новосибирске и акселератор в Томске."


def entity(text: str, region: str | None = None) -> Entity:
    start = TEXT.index(text)
    return Entity(
        text=text,
        label="LOC",
        start=start,
        end=start + len(text),
        page=1,
        normalized={"code": region, "country_code": "RU", "region_code": region}
        if region
        else None,
        component="natasha_ner",
    )


def prediction(version: str) -> Prediction:
    return Prediction(
        document_id=TAGGED,
        model_version=version,
        model_hash="h",
        taxonomy_version="t",
        extractor_version="text-1",
        thresholds={"territorial": 0.5, "startup_support": 0.5, "consortium": 0.5},
        groups={
            "formation_type": GroupPrediction(labels=["territorial"], scores={"territorial": 0.9}),
            "functions": GroupPrediction(
                labels=["startup_support"],
                scores={"startup_support": 0.55},
                needs_review=["startup_support"],
            ),
            "institutional_forms": GroupPrediction(labels=[], scores={"consortium": 0.2}),
        },
    )


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/store.db"
    sessions = open_store(url)
    save_document(
        sessions,
        ExtractedDocument(
            path="inbox/report.pdf", sha256=TAGGED, status=DocumentStatus.OK, lang="ru", text=TEXT
        ),
        size_bytes=100,
    )
    save_document(
        sessions,
        failed_document("inbox/fake.pdf", FAILED, "not a PDF", ErrorClass.NOT_PDF),
        size_bytes=4,
    )
    found = [entity("Новосибирске", "RU-NVS"), entity("Томске", "RU-TOM"), entity("Технопарк")]
    save_entities(sessions, TAGGED, "ner-1", found)
    save_prediction(sessions, prediction("v1"))
    return url


def export(*args: str):
    return runner.invoke(app, ["export", *args])


def test_jsonl_to_stdout_has_one_row_per_document(store: str):
    result = export("--db", store, "--model", "v1", "--names", "id")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert set(rows) == {TAGGED, FAILED}
    tagged, failed = rows[TAGGED], rows[FAILED]
    assert (tagged["path"], tagged["status"]) == ("inbox/report.pdf", "ok")
    assert tagged["formation_type"] == ["territorial"]
    assert (tagged["startup_support_score"], tagged["startup_support_threshold"]) == (0.55, 0.5)
    assert tagged["uncertain_labels"] == ["startup_support"] and tagged["close_labels"] == []
    assert tagged["regions"] == ["RU-NVS", "RU-TOM"]
    assert set(tagged["top_entities"]) == {"LOC:Новосибирск", "LOC:Томск", "LOC:Технопарк"}
    assert (failed["status"], failed["error"], failed["functions"]) == ("failed", "not a PDF", [])


def test_csv_to_a_file_keeps_each_cell_one_value(store: str, tmp_path: Path):
    out = tmp_path / "exports" / "tags.csv"
    result = export("--db", store, "--model", "v1", "--out", str(out), "--separator", ";")
    assert result.exit_code == 0 and "2 documents" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    text = out.read_text("utf-8-sig")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert rows[TAGGED]["region_names"] == "Новосибирская область; Томская область"
    assert rows[TAGGED]["formation_type"] == "инновационный территориальный кластер"
    assert rows[TAGGED]["territorial_score"] == "0.9"
    assert rows[FAILED]["functions"] == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.csv", "--format", "jsonl"], "--format jsonl disagrees with 'x.csv'"),
        (["--out", "x.txt"], "cannot tell the format of 'x.txt'"),
        (["--format", "xml"], "--format 'xml': use jsonl, csv, parquet or xlsx"),
        (["--names", "de"], "--names 'de': use ru, en or id"),
        (["--table", "all", "--out", "x.csv"], "--table all needs an Excel workbook"),
    ],
)
def test_contradictory_options_are_refused_in_one_line(store: str, tmp_path: Path, args, message):
    result = export("--db", store, "--model", "v1", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.csv").exists() and not Path("x.csv").exists()


@pytest.mark.parametrize(
    ("table", "sheets"), [("all", ["tags", "entities"]), ("entities", ["entities"])]
)
def test_excel_workbooks(store: str, tmp_path: Path, table: str, sheets: list[str]):
    out = tmp_path / "export.xlsx"
    result = export("--db", store, "--model", "v1", "--out", str(out), "--table", table)
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert workbook.sheetnames == sheets
    entities = list(workbook["entities"].values)
    assert entities[0][:3] == ("document_id", "path", "title")
    assert {row[1] for row in entities[1:]} == {"inbox/report.pdf"}


def test_parquet_needs_a_file_and_reads_back(store: str, tmp_path: Path):
    refused = export("--format", "parquet", "--db", store, "--model", "v1")
    assert refused.exit_code == 2 and "give --out FILE" in refused.output
    out = tmp_path / "tags.parquet"
    assert export("--db", store, "--model", "v1", "--out", str(out)).exit_code == 0
    table = pq.read_table(out).to_pylist()
    assert sorted(row["id"] for row in table) == [TAGGED, FAILED]


def test_default_model_is_the_current_one(store: str, tmp_path: Path):
    models = tmp_path / "models"
    models.mkdir()
    none_yet = export("--db", store, "--models", str(models))
    assert none_yet.exit_code == 2 and "no model promoted" in none_yet.output
    (models / CURRENT_FILE).write_text("v1\n", "utf-8")
    result = export("--db", store, "--models", str(models), "--names", "id")
    assert result.exit_code == 0
    assert {json.loads(line)["model_version"] for line in result.stdout.splitlines()} == {
        "v1",
        None,
    }


def test_a_model_that_tagged_nothing_is_refused(store: str):
    result = export("--db", store, "--model", "v9")
    assert result.exit_code == 1 and "no stored document is tagged by model 'v9'" in result.output
