"""``entities``, ``train-ner`` and ``evaluate-ner``: the entity extractor's commands."""

import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import DataTable, fail, progress_bar, say, show

if TYPE_CHECKING:
    from cluster_nlp.nlp.evaluate import LanguageResult
    from cluster_nlp.records import Entity

DOCUMENT_ID_PREFIX = re.compile(r"^[0-9a-f]{8,64}$")

LabelsOption = Annotated[
    Path | None, typer.Option("--labels", help="labels JSONL [corpus/labels.jsonl]")
]


class PipelineKind(StrEnum):
    DEFAULT = "default"
    RULES = "rules"
    TRAINED = "trained"
    COMBINED = "combined"


def register(app: typer.Typer) -> None:
    app.command("entities")(entities_command)
    app.command("train-ner")(train_ner_command)
    app.command("evaluate-ner")(evaluate_ner_command)


# --- entities ---------------------------------------------------------------------------------


def _short_value(normalized: dict | None) -> str:
    """The normalised value in a few words: "RU-NVS Новосибирск", "300000000 RUB", "2019"."""
    from cluster_nlp.export import readable_amount  # pyarrow, only when a table is printed

    if not normalized:
        return ""
    if "code" in normalized:
        return f"{normalized['code']} {normalized['name']}"
    if "amount" in normalized:
        return f"{readable_amount(normalized['amount'])} {normalized['currency'] or ''}".strip()
    return " ".join(str(value) for value in normalized.values())


def _print_entities(title: str, entities: "list[Entity]") -> None:
    table = DataTable(title)
    for column in ("text", "type", "normalised", "page", "start", "end", "component"):
        table.add_column(column, justify="right" if column in ("page", "start", "end") else "left")
    for entity in entities:
        table.add_row(
            entity.text,
            entity.label,
            _short_value(entity.normalized),
            str(entity.page or ""),
            str(entity.start),
            str(entity.end),
            entity.component,
        )
    show(table)


def _file_entities(path: Path) -> "tuple[str, list[Entity]]":
    from cluster_nlp.config import get_settings
    from cluster_nlp.ingest.sandbox import ParseLimits, parse_files
    from cluster_nlp.nlp.extract import extract_entities

    settings = get_settings()
    limits = ParseLimits(settings.file_timeout_s, settings.file_memory_mb, workers=1)
    (result,) = parse_files([path], "auto", limits)
    if result.document is None:
        fail(f"{path}: {result.error}")
    return str(path), extract_entities(result.document)


def _stored_entities(db: str | None, prefix: str) -> "tuple[str, list[Entity]]":
    """The current extractor's entities of a stored document, extracted and stored if new."""
    from cluster_nlp.nlp.batch import extract_stored
    from cluster_nlp.nlp.choices import extractor_version
    from cluster_nlp.statuses import DocumentStatus
    from cluster_nlp.store.db import open_store
    from cluster_nlp.store.documents import document_summaries
    from cluster_nlp.store.entities import load_entities

    sessions = open_store(db_url(db))
    matches = [row for row in document_summaries(sessions) if row["id"].startswith(prefix)]
    if not matches:
        fail(f"no stored document with id {prefix}")
    if len(matches) > 1:
        fail(f"id prefix {prefix} matches {len(matches)} documents; give more characters")
    document_id, status = matches[0]["id"], matches[0]["status"]
    if status != DocumentStatus.OK.value:
        fail(f"document {document_id} is {status}: it has no text to find entities in")
    extract_stored(sessions, [document_id])  # a no-op when this extractor has done it already
    return document_id, load_entities(sessions, document_id, extractor_version())


def entities_command(
    target: Annotated[
        str, typer.Argument(help="a file (.pdf, .txt, .md) or a stored document id (8+ chars)")
    ],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Entities of a file (extracted now, not stored) or of a stored document (stored first)."""
    from cluster_nlp.nlp.choices import PipelineChoiceError, extractor_version
    from cluster_nlp.store.db import StoreError

    path = Path(target)
    try:
        if path.is_file():
            source, entities = _file_entities(path)
        elif DOCUMENT_ID_PREFIX.match(target):
            source, entities = _stored_entities(db, target)
        else:
            fail(f"{target} is neither a file nor a document id (8+ hex characters)", code=2)
    except (StoreError, PipelineChoiceError) as error:
        fail(str(error))
    if as_json:
        payload = {
            "document": source,
            "extractor_version": extractor_version(),
            "entities": [entity.model_dump(mode="json") for entity in entities],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    _print_entities(f"{len(entities)} entities in {source}", entities)


# --- train-ner --------------------------------------------------------------------------------


def train_ner_command(
    labels: LabelsOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="model folder [models/ner/<timestamp>]")
    ] = None,
    defaults: Annotated[
        Path | None,
        typer.Option(
            "--defaults",
            help="where to record each language's default [the packaged default_pipeline.yaml]",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="spaCy training config [the packaged ner-train.cfg]"),
    ] = None,
) -> None:
    """Train a ner per language, compare it with the rules and a combination, record the best."""
    from cluster_nlp.config import get_settings
    from cluster_nlp.corpus.schema import CorpusError
    from cluster_nlp.nlp.choices import DEFAULTS_PATH
    from cluster_nlp.nlp.train import TRAIN_CONFIG, TrainingError, train_ner, write_defaults

    defaults = defaults or DEFAULTS_PATH
    config = config or TRAIN_CONFIG
    settings = get_settings()
    labels_path = labels or settings.corpus_dir / "labels.jsonl"
    if out is None:
        out = settings.models_dir / "ner" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    try:
        with progress_bar("train-ner") as progress:
            task = progress.add_task("", total=None)
            outcomes = train_ner(
                labels_path,
                out,
                config_path=config,
                on_step=lambda step: progress.update(task, description=step),
            )
        write_defaults(outcomes, settings.models_dir, defaults)
    except (CorpusError, TrainingError, OSError) as error:
        fail(str(error))
    for outcome in outcomes:
        for split, results in (("held-out train documents", outcome.dev), ("test", outcome.test)):
            if results:
                _print_comparison(f"{outcome.lang}: {split}", results)
        say(f"{outcome.lang}: default pipeline is ", (outcome.chosen, "bold"))
    say(f"models and summary.json in {out}; defaults in {defaults}")


def _print_comparison(title: str, results: "dict[str, LanguageResult]") -> None:
    """Exact F1 per entity type (rows) and pipeline (columns), micro-F1 last."""
    reports = {kind: result.report()["labels"] for kind, result in results.items()}
    table = DataTable(title)
    table.add_column("type")
    for kind in reports:
        table.add_column(kind, justify="right")
    labels = sorted({label for report in reports.values() for label in report} - {"ALL"})
    for label in [*labels, "ALL"]:
        table.add_row(
            label,
            *(
                f"{report[label]['f1']:.3f}" if label in report else "-"
                for report in reports.values()
            ),
        )
    show(table)


# --- evaluate-ner -----------------------------------------------------------------------------


def _pipelines(kind: PipelineKind, model: Path | None):
    """A function from language to pipeline, for the chosen kind."""
    from cluster_nlp.config import get_settings
    from cluster_nlp.nlp.pipeline import build_pipeline, pipeline
    from cluster_nlp.nlp.train import newest_version

    if kind is PipelineKind.DEFAULT:
        return pipeline
    if kind is PipelineKind.RULES:
        return lambda lang: build_pipeline(lang)
    version = model or newest_version(get_settings().models_dir)
    if version is None:
        fail("no trained NER model under models/ner: run `cluster-nlp train-ner` or give --model")
    built: dict = {}

    def for_language(lang: str):
        if lang not in built:
            built[lang] = build_pipeline(lang, kind.value, version / lang)
        return built[lang]

    return for_language


def evaluate_ner_command(
    labels: LabelsOption = None,
    split: Annotated[str, typer.Option("--split", help="train, test or all")] = "test",
    kind: Annotated[
        PipelineKind, typer.Option("--pipeline", help="default follows default_pipeline.yaml")
    ] = PipelineKind.DEFAULT,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="trained version folder [newest models/ner/*]"),
    ] = None,
    errors: Annotated[
        int, typer.Option("--errors", min=0, help="show this many missed/spurious spans")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Precision, recall and F1 per entity type and language against the corpus's gold spans."""
    from cluster_nlp.config import get_settings
    from cluster_nlp.corpus.schema import CorpusError
    from cluster_nlp.nlp.evaluate import evaluate_pipeline, load_gold_documents
    from cluster_nlp.nlp.pipeline import PipelineChoiceError, default_choices

    labels_path = labels or get_settings().corpus_dir / "labels.jsonl"
    try:
        documents = load_gold_documents(labels_path, split)
        if kind is PipelineKind.DEFAULT:
            default_choices()  # a broken defaults file fails here, in one line
        results = evaluate_pipeline(documents, _pipelines(kind, model), keep_errors=errors > 0)
    except (CorpusError, PipelineChoiceError) as error:
        fail(str(error))
    report = {
        "labels": str(labels_path),
        "split": split,
        "pipeline": kind.value,
        "languages": {lang: results[lang].report() for lang in sorted(results)},
    }
    if errors:
        for lang in sorted(results):
            report["languages"][lang]["errors"] = results[lang].errors[:errors]
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    for lang, language in report["languages"].items():
        _print_scores(
            f"{lang}: {kind.value} pipeline on {split} ({language['documents']} docs)", language
        )
        for error in language.get("errors", []):
            say(
                f"  {error['kind']:8} {error['label']:8} {error['doc_id']} "
                f"{error['start']}:{error['end']} {error['text']!r}"
            )


def _print_scores(title: str, language: dict) -> None:
    table = DataTable(title)
    columns = ("type", "gold", "pred", "P", "R", "F1", "overlap P", "overlap R", "overlap F1")
    for column in columns:
        table.add_column(column, justify="left" if column == "type" else "right")
    for label, scores in language["labels"].items():
        table.add_row(
            label,
            str(scores["gold"]),
            str(scores["predicted"]),
            *(
                f"{scores[key]:.3f}"
                for key in (
                    "precision",
                    "recall",
                    "f1",
                    "overlap_precision",
                    "overlap_recall",
                    "overlap_f1",
                )
            ),
        )
    show(table)
    regions = language["regions"]
    say(
        f"region normalisation: {regions['correct']}/{regions['checked']} gold LOC spans "
        f"resolved to the expected federal subject ({regions['accuracy']:.1%}; "
        f"{regions['found']} overlapped by a predicted LOC)"
    )
