"""``entities``, ``evaluate-ner`` and ``train-ner`` end to end (Russian text: rules pipeline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cluster_nlp.cli import app
from cluster_nlp.cli.entities import _short_value
from cluster_nlp.nlp.choices import extractor_version
from cluster_nlp.nlp.train import TRAIN_CONFIG
from cluster_nlp.records import (
    DocumentStatus,
    ErrorClass,
    ExtractedDocument,
    Page,
    PageQuality,
    Passage,
)
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import failed_document, save_document
from cluster_nlp.store.entities import load_entities

runner = CliRunner()
RU_TEXT = "Кластер создан в Новосибирске в 2019 году. На проект выделено 1,2 млрд рублей."
QUALITY = PageQuality(grade=1.0, letters=60, letter_ratio=0.9, cyrillic_ratio=0.9)


def stored_document(sha256: str) -> ExtractedDocument:
    page = Page(number=1, width=595, height=842, text=RU_TEXT, engine="test", quality=QUALITY)
    passage = Passage(page=1, start=0, end=len(RU_TEXT), text=RU_TEXT, lang="ru")
    return ExtractedDocument(
        path=f"{sha256[:6]}.pdf",
        sha256=sha256,
        status=DocumentStatus.OK,
        lang="ru",
        text=RU_TEXT,
        pages=[page],
        passages=[passage],
    )


FIRST, TWIN, OTHER, FAILED = "abcdef01" + "1" * 56, "abcdef01" + "2" * 56, "9" * 64, "8" * 64


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/store.db"
    sessions = open_store(url)
    for sha256 in (FIRST, TWIN, OTHER):
        save_document(sessions, stored_document(sha256), size_bytes=10)
    save_document(
        sessions, failed_document("bad.pdf", FAILED, "not a PDF", ErrorClass.NOT_PDF), size_bytes=3
    )
    return url


def found(output: str) -> set[tuple[str, str]]:
    return {(entity["text"], entity["label"]) for entity in json.loads(output)["entities"]}


EXPECTED = {("Новосибирске", "LOC"), ("2019 году", "DATE"), ("1,2 млрд рублей", "MONEY")}


def test_entities_of_a_file(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(RU_TEXT + "\n", encoding="utf-8")
    result = runner.invoke(app, ["entities", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert EXPECTED <= found(result.output)
    for entity in payload["entities"]:
        assert RU_TEXT[entity["start"] : entity["end"]] == entity["text"]
        assert entity["page"] == 1 and entity["component"]


def test_entities_of_a_stored_document_are_extracted_once_and_stored(db):
    first = runner.invoke(app, ["entities", OTHER[:10], "--db", db, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["document"] == OTHER
    assert EXPECTED <= found(first.output)
    stored = load_entities(open_store(db), OTHER, extractor_version())
    assert {(e.text, e.label) for e in stored} == found(first.output)
    again = runner.invoke(app, ["entities", OTHER, "--db", db, "--json"])
    assert found(again.output) == found(first.output)
    table = runner.invoke(app, ["entities", OTHER, "--db", db])
    assert "RU-NVS" in table.output and "entity_ruler" in table.output


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        ("0123456789", 1, "no stored document with id 0123456789"),
        ("abcdef01", 1, "matches 2 documents"),
        (FAILED[:12], 1, "is failed"),
        ("abc", 2, "neither a file nor a document id"),
        ("no/such/file.pdf", 2, "neither a file nor a document id"),
    ],
)
def test_entities_errors_are_one_line(db, target, code, message):
    result = runner.invoke(app, ["entities", target, "--db", db])
    assert result.exit_code == code
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unreadable_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    result = runner.invoke(app, ["entities", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output and len(result.output.strip().splitlines()) == 1


def write_corpus(folder: Path, documents: list[tuple[str, str, str, str, list]]) -> Path:
    """(doc_id, lang, split, markdown, [(surface, label)]) -> labels.jsonl in ``folder``."""
    (folder / "src").mkdir(parents=True)
    lines = []
    for doc_id, lang, split, text, entities in documents:
        (folder / "src" / f"{doc_id}.md").write_text(text, encoding="utf-8")
        spans = []
        for surface, label in entities:
            start = text.index(surface)
            spans.append(
                {"start": start, "end": start + len(surface), "label": label, "text": surface}
            )
        record = {
            "doc_id": doc_id,
            "path": f"pdf/{doc_id}.pdf",
            "source": f"src/{doc_id}.md",
            "lang": lang,
            "genre": "news",
            "split": split,
            "entities": spans,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    (folder / "labels.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "labels.jsonl"


def test_evaluate_ner_reports_per_language_and_type(tmp_path):
    labels = write_corpus(
        tmp_path,
        [
            (
                "ru-001",
                "ru",
                "test",
                f"# Новости\n\n{RU_TEXT}",
                [("Новосибирске", "LOC"), ("1,2 млрд рублей", "MONEY"), ("2019", "DATE")],
            ),
        ],
    )
    result = runner.invoke(
        app,
        ["evaluate-ner", "--labels", str(labels), "--pipeline", "rules", "--json", "--errors", "5"],
    )
    assert result.exit_code == 0, result.output
    ru = json.loads(result.output)["languages"]["ru"]
    assert ru["documents"] == 1
    assert ru["labels"]["MONEY"]["f1"] == 1.0
    assert ru["labels"]["LOC"]["f1"] == 1.0
    # the rules cut "2019 году", the gold says "2019": an overlap, not an exact match
    assert ru["labels"]["DATE"]["f1"] == 0.0 and ru["labels"]["DATE"]["overlap_f1"] == 1.0
    assert ru["regions"]["checked"] == 1 and ru["regions"]["correct"] == 1
    assert {(e["kind"], e["text"]) for e in ru["errors"]} == {
        ("missed", "2019"),
        ("spurious", "2019 году"),
    }
    table = runner.invoke(app, ["evaluate-ner", "--labels", str(labels), "--pipeline", "rules"])
    assert "region normalisation: 1/1" in table.output


def test_evaluate_ner_without_a_trained_model_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTER_NLP_MODELS_DIR", str(tmp_path / "models"))
    labels = write_corpus(tmp_path / "corpus", [("ru-001", "ru", "test", "# Томск", [])])
    result = runner.invoke(app, ["evaluate-ner", "--labels", str(labels), "--pipeline", "trained"])
    assert result.exit_code == 1
    assert "no trained NER model" in result.output


def test_evaluate_ner_on_missing_labels_is_an_error(tmp_path):
    result = runner.invoke(app, ["evaluate-ner", "--labels", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 1 and "does not exist" in result.output


EN_SENTENCES = [
    "Acme Systems opened an office in Oslo.",
    "Vector Labs moved to Bergen in 2021.",
    "Nordic Vision hired staff in Oslo.",
    "Acme Systems signed a deal in Bergen.",
    "Vector Labs expanded in Trondheim.",
    "Nordic Vision opened a lab in Bergen.",
    "Acme Systems raised $5 million in Oslo.",
    "Vector Labs won a grant in Bergen.",
]
EN_ENTITIES = ["Acme Systems", "Vector Labs", "Nordic Vision", "Oslo", "Bergen", "Trondheim"]


def test_train_ner_trains_compares_and_records_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTER_NLP_MODELS_DIR", str(tmp_path / "models"))
    documents = []
    for number, sentence in enumerate(EN_SENTENCES, start=1):
        entities = [
            (name, "LOC" if name in ("Oslo", "Bergen", "Trondheim") else "ORG")
            for name in EN_ENTITIES
            if name in sentence
        ]
        split = "test" if number == len(EN_SENTENCES) else "train"
        documents.append((f"en-{number:03d}", "en", split, f"# Note\n\n{sentence}", entities))
    labels = write_corpus(tmp_path / "corpus", documents)
    config = tmp_path / "tiny.cfg"
    config.write_text(TRAIN_CONFIG.read_text("utf-8").replace("max_epochs = 20", "max_epochs = 8"))
    out, defaults = tmp_path / "models" / "ner" / "v1", tmp_path / "default_pipeline.yaml"
    result = runner.invoke(
        app,
        [
            "train-ner",
            "--labels",
            str(labels),
            "--out",
            str(out),
            "--defaults",
            str(defaults),
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))["languages"]
    assert summary["ru"]["model"] is None and summary["ru"]["chosen"] == "rules"
    assert len(summary["en"]["fit_documents"]) == 5 and len(summary["en"]["dev_documents"]) == 2
    assert set(summary["en"]["dev"]) == {"rules", "trained", "combined", "by_type"}
    assert set(summary["en"]["types"].values()) <= {"rules", "trained", "combined"}
    assert (out / "en" / "config.cfg").is_file()
    recorded = defaults.read_text("utf-8")
    assert "ru:\n  pipeline: rules" in recorded
    chosen = summary["en"]["chosen"]
    assert f"en:\n  pipeline: {chosen}" in recorded
    assert ("model: ner/v1/en" in recorded) == (chosen != "rules")


@pytest.mark.parametrize(
    ("normalized", "shown"),
    [
        ({"amount": 300000000.0, "currency": "RUB"}, "300000000 RUB"),
        ({"amount": 1.5e9, "currency": "USD"}, "1500000000 USD"),
        ({"amount": 2.5, "currency": None}, "2.5"),
        ({"code": "RU-NVS", "name": "Новосибирск"}, "RU-NVS Новосибирск"),
        (None, ""),
    ],
)
def test_amounts_are_shown_in_digits_not_exponents(normalized, shown):
    assert _short_value(normalized) == shown
