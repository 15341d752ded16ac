"""Train a spaCy ``ner`` per language on the corpus, and choose each language's default pipeline.

Training is config-driven (``nlp/data/ner-train.cfg``, spaCy's own loop). Examples are the
markdown sources cut into the same segments evaluation uses, with the gold spans as
``doc.ents``. A share of the train split's documents is held out ("dev"): the model never
trains on it, and the pipelines (rules, trained, combined, and by_type, which takes each entity
type from whichever of the first three did best on it) are compared on it to choose the
default, so the test split stays untouched for reporting. The model is saved with
``nlp.to_disk`` (spaCy's format) under ``models/ner/<version>/<lang>``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as spacy_train
from spacy.util import ConfigValidationError, filter_spans, load_config

from cluster_nlp.nlp.choices import DATA, DEFAULTS_PATH, LANGUAGES, PIPELINE_KINDS
from cluster_nlp.nlp.evaluate import (
    GoldDocument,
    LanguageResult,
    evaluate_pipeline,
    load_gold_documents,
    markdown_segments,
    micro_f1,
)
from cluster_nlp.nlp.pipeline import build_pipeline

TRAIN_CONFIG = DATA / "ner-train.cfg"
DEV_SHARE = 0.2
# A language with fewer annotated training documents than this keeps the rules untrained.
MIN_TRAIN_DOCUMENTS = 5
DEFAULTS_HEADER = """\
# Each language's default entity pipeline, as `cluster-nlp train-ner` decided it: rules
# (natasha + entity ruler), trained (the corpus-trained ner alone), combined (rules, then the
# trained ner filling the gaps) or by_type (each entity type in `types` from the source named
# there, chosen on held-out training documents). `model` is relative to the models folder.
"""
# The kinds measured before by_type is put together from their per-type results.
SOURCE_KINDS = ("rules", "trained", "combined")


class TrainingError(ValueError):
    """Training cannot start (one line: what is missing and where)."""


@dataclass(frozen=True)
class LanguageOutcome:
    lang: str
    model: Path | None  # None when the language had too little data to train on
    fit_documents: list[str]
    dev_documents: list[str]
    dev: dict[str, LanguageResult]  # pipeline kind -> results on the held-out documents
    test: dict[str, LanguageResult]  # pipeline kind -> results on the test split
    chosen: str
    types: dict[str, str] | None = None  # entity type -> source, for by_type

    def summary(self) -> dict:
        return {
            "model": str(self.model) if self.model else None,
            "fit_documents": self.fit_documents,
            "dev_documents": self.dev_documents,
            "chosen": self.chosen,
            "types": self.types,
            "dev": {kind: result.report() for kind, result in self.dev.items()},
            "test": {kind: result.report() for kind, result in self.test.items()},
        }


def hold_out(
    documents: list[GoldDocument], share: float = DEV_SHARE
) -> tuple[list[GoldDocument], list[GoldDocument]]:
    """(fit, dev): a fixed share of documents, picked by the hash of their id, is held out."""
    ordered = sorted(documents, key=lambda doc: hashlib.sha256(doc.doc_id.encode()).hexdigest())
    held = math.ceil(len(ordered) * share) if len(ordered) > 1 else 0
    return ordered[held:], ordered[:held]


def annotated_docs(nlp: Language, documents: list[GoldDocument]) -> list[Doc]:
    """One spaCy Doc per markdown segment, gold spans as ``doc.ents`` (widened to tokens)."""
    docs = []
    for document in documents:
        for start, text in markdown_segments(document.text):
            doc = nlp.make_doc(text)
            spans = []
            for mention in document.mentions:
                if start <= mention.start and mention.end <= start + len(text):
                    span = doc.char_span(
                        mention.start - start,
                        mention.end - start,
                        label=mention.label,
                        alignment_mode="expand",
                    )
                    if span is not None:
                        spans.append(span)
            doc.ents = filter_spans(spans)
            docs.append(doc)
    return docs


def train_model(
    lang: str,
    fit: list[GoldDocument],
    dev: list[GoldDocument],
    out: Path,
    config_path: Path = TRAIN_CONFIG,
    overrides: dict | None = None,
) -> Path:
    """Train a ``ner`` on ``fit`` with the config, save the last model to ``out``; returns it.

    spaCy's training log is kept beside the model (``out/training.log``).
    """
    blank = spacy.blank(lang)
    with tempfile.TemporaryDirectory(prefix="train-ner-") as scratch:
        folder = Path(scratch)
        for name, documents in (("train", fit), ("dev", dev or fit)):
            DocBin(docs=annotated_docs(blank, documents)).to_disk(folder / f"{name}.spacy")
        overrides = {
            "nlp.lang": lang,
            "paths.train": str(folder / "train.spacy"),
            "paths.dev": str(folder / "dev.spacy"),
            **(overrides or {}),
        }
        try:
            nlp = init_nlp(load_config(config_path, overrides=overrides, interpolate=False))
        except ConfigValidationError as error:
            first_line = str(error).strip().splitlines()[0]
            raise TrainingError(
                f"{config_path}: not a valid training config: {first_line}"
            ) from error
        (folder / "output").mkdir()
        log = io.StringIO()
        spacy_train(nlp, folder / "output", stdout=log, stderr=log)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(folder / "output" / "model-last", out)
        (out / "training.log").write_text(log.getvalue(), encoding="utf-8")
    return out


def compare(
    lang: str,
    model: Path | None,
    documents: list[GoldDocument],
    types: dict[str, str] | None = None,
    kinds: tuple[str, ...] = PIPELINE_KINDS,
) -> dict[str, LanguageResult]:
    """The results on ``documents`` of each of ``kinds`` that can be built: only rules when
    there is no model, and by_type only when ``types`` says where each type comes from."""
    if not model:
        kinds = ("rules",)
    elif not types:
        kinds = tuple(kind for kind in kinds if kind != "by_type")
    results = {}
    for kind in kinds:
        nlp = build_pipeline(lang, kind, model, types if kind == "by_type" else None)
        by_language = evaluate_pipeline(documents, lambda _lang, nlp=nlp: nlp)
        results[kind] = by_language.get(lang, LanguageResult())
    return results


def sources_by_type(dev: dict[str, LanguageResult]) -> dict[str, str]:
    """Per entity type, the source kind with the best exact F1 on held-out documents; rules
    win ties, then trained. A type no source finds there (never mentioned, or no span right)
    takes the source kind with the best micro-F1 over all types: with no evidence of its own,
    the best overall."""
    sources = [kind for kind in SOURCE_KINDS if kind in dev]
    overall = choose({kind: dev[kind] for kind in sources})
    labels = sorted({label for result in dev.values() for label in result.labels})

    def f1(kind: str, label: str) -> float:
        return dev[kind].labels[label].scores()["f1"] if label in dev[kind].labels else -1.0

    def found(label: str) -> bool:
        return any(f1(kind, label) > 0 for kind in sources)

    return {
        label: max(sources, key=lambda kind: f1(kind, label)) if found(label) else overall
        for label in labels
    }


def choose(dev: dict[str, LanguageResult]) -> str:
    """The kind with the best exact micro-F1 on held-out documents; rules win ties."""
    return max(PIPELINE_KINDS, key=lambda kind: micro_f1(dev[kind]) if kind in dev else -1.0)


def write_defaults(
    outcomes: list[LanguageOutcome], models_dir: Path, path: Path = DEFAULTS_PATH
) -> None:
    """Record each language's chosen pipeline; models inside ``models_dir`` are stored
    relative to it (so the file survives moving the checkout), others as absolute paths."""
    entries: dict[str, dict[str, str]] = {lang: {"pipeline": "rules"} for lang in LANGUAGES}
    for outcome in outcomes:
        entry: dict = {"pipeline": outcome.chosen}
        if outcome.chosen != "rules":
            model, root = outcome.model.resolve(), models_dir.resolve()
            entry["model"] = (
                model.relative_to(root) if model.is_relative_to(root) else model
            ).as_posix()
        if outcome.chosen == "by_type":
            entry["types"] = outcome.types
        entries[outcome.lang] = entry
    body = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    path.write_text(DEFAULTS_HEADER + body, encoding="utf-8")


def train_ner(
    labels_path: Path,
    out_dir: Path,
    config_path: Path = TRAIN_CONFIG,
    overrides: dict | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[LanguageOutcome]:
    """Train, compare and save per language into ``out_dir/<lang>``; writes ``summary.json``.

    The caller decides whether to record the choices (``write_defaults``).
    """
    train_docs = load_gold_documents(labels_path, "train")
    test_docs = load_gold_documents(labels_path, "test")
    if not train_docs:
        raise TrainingError(f"{labels_path} has no train documents with entity spans")
    outcomes = []
    for lang in LANGUAGES:
        fit, dev = hold_out([doc for doc in train_docs if doc.lang == lang])
        lang_test = [doc for doc in test_docs if doc.lang == lang]
        model = None
        if len(fit) >= MIN_TRAIN_DOCUMENTS:
            if on_step:
                on_step(f"training {lang} on {len(fit)} documents")
            model = train_model(lang, fit, dev, out_dir / lang, config_path, overrides)
        if on_step:
            on_step(f"comparing {lang} pipelines")
        dev_results = compare(lang, model, dev, kinds=SOURCE_KINDS) if dev else {}
        types = sources_by_type(dev_results) if model and dev_results else None
        if types:
            dev_results |= compare(lang, model, dev, types, kinds=("by_type",))
        outcomes.append(
            LanguageOutcome(
                lang=lang,
                model=model,
                fit_documents=[doc.doc_id for doc in fit],
                dev_documents=[doc.doc_id for doc in dev],
                dev=dev_results,
                test=compare(lang, model, lang_test, types) if lang_test else {},
                chosen=choose(dev_results) if model and dev_results else "rules",
                types=types,
            )
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "labels": str(labels_path),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "languages": {outcome.lang: outcome.summary() for outcome in outcomes},
    }
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return outcomes


def newest_version(models_dir: Path) -> Path | None:
    """The newest ``models/ner/<version>`` folder (versions are timestamps, so by name)."""
    root = models_dir / "ner"
    versions = sorted(path for path in root.iterdir() if path.is_dir()) if root.is_dir() else []
    return versions[-1] if versions else None
