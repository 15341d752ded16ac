"""spaCy pipelines per language, built from the config files in ``nlp/data``.

The configs name registered components and functions only, so a researcher can change the
pipeline (add a trained ``ner``, drop a component) by editing a config, not code.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import spacy
import yaml
from spacy.language import Language
from spacy.util import load_config, load_model_from_config

from cluster_nlp.config import get_settings
from cluster_nlp.nlp import (  # noqa: F401  (register factories)
    entity_sources,
    natasha_ner,
    org_boundaries,
)
from cluster_nlp.nlp.entity_sources import SOURCES
from cluster_nlp.nlp.name_patterns import name_patterns

DATA = Path(__file__).with_name("data")
LANGUAGES = ("ru", "en")
DEFAULTS_PATH = DATA / "default_pipeline.yaml"
# rules: natasha and the entity ruler; trained: the corpus-trained ner alone; combined: both;
# by_type: each entity type from whichever of the three found it best (``entity_sources``).
PIPELINE_KINDS = ("rules", "trained", "combined", "by_type")
# Ruler patterns carry ids with this prefix, so each entity can say which component found it.
RULER_ID_PREFIX = "entity_ruler:"


class PatternError(ValueError):
    """A pattern data file is malformed (one line, naming the file and the entry)."""


class PipelineChoiceError(ValueError):
    """The default-pipeline file is malformed or names a model that is not there (one line)."""


def _numeric_patterns(lang: str) -> list[dict]:
    path = DATA / "patterns" / f"numeric-{lang}.jsonl"
    patterns = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise PatternError(f"{path.name}:{number}: not JSON ({error.msg})") from error
        if set(record) - {"label", "pattern", "id"} or not {"label", "pattern"} <= set(record):
            raise PatternError(f"{path.name}:{number}: needs label and pattern (and maybe id)")
        patterns.append({**record, "id": f"{RULER_ID_PREFIX}{record.get('id', 'numeric')}"})
    return patterns


@cache
def _lemmatizer(lang: str) -> Language:
    nlp = spacy.blank(lang)
    if lang == "ru":
        nlp.add_pipe("lemmatizer", config={"mode": "pymorphy3"})
        nlp.initialize()
    return nlp


def _phrase_pattern(phrase: str, lang: str) -> list[dict]:
    """Token pattern for a phrase: lemmas for Russian (inflection-proof), lower case otherwise."""
    tokens = _lemmatizer(lang)(phrase)
    if lang == "ru":
        return [
            {"ORTH": token.text} if token.is_punct else {"LEMMA": token.lemma_.lower()}
            for token in tokens
        ]
    return [{"LOWER": token.lower_} for token in tokens]


def term_patterns(lang: str, path: Path = DATA / "terms.yaml") -> list[dict]:
    terms = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(terms, dict):
        raise PatternError(f"{path.name}: expected a mapping of entity labels")
    patterns = []
    for label, entries in terms.items():
        if not isinstance(entries, dict) or set(entries) - {"ru", "en", "regex"}:
            raise PatternError(f"{path.name}: {label} needs ru/en phrase lists and optional regex")
        source = f"{RULER_ID_PREFIX}terms-{label.lower()}"
        for phrase in entries.get(lang, []):
            pattern = _phrase_pattern(str(phrase), lang)
            patterns.append({"label": label, "pattern": pattern, "id": source})
        if lang == "ru":  # the token patterns in `regex` use Russian lemmas and punctuation
            patterns.extend(
                {"label": label, "pattern": pattern, "id": source}
                for pattern in entries.get("regex", [])
            )
    return patterns


@spacy.registry.misc("cluster_nlp.ruler_patterns.v1")
def ruler_patterns(lang: str) -> list[dict]:
    names = [
        {**pattern, "id": f"{RULER_ID_PREFIX}{pattern['id']}"}
        for pattern in name_patterns()  # Russian texts name foreign bodies in Latin script too
    ]
    return _numeric_patterns(lang) + term_patterns(lang) + names


def build_pipeline(
    lang: str,
    kind: str = "rules",
    model: Path | None = None,
    types: dict[str, str] | None = None,
) -> Language:
    """A fresh pipeline for ``lang``, initialised.

    ``rules``: ``nlp/data/<lang>.cfg`` (natasha and the entity ruler); ``trained``: the spaCy
    pipeline saved at ``model``; ``combined``: the rules, then the trained ``ner`` from
    ``model``, which keeps the spans the rules set and only fills the gaps between them;
    ``by_type``: the rules, then ``entity_sources`` taking each type in ``types`` from the
    source named there (types not named come from the rules).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"no entity pipeline for language {lang!r}; have {', '.join(LANGUAGES)}")
    if kind not in PIPELINE_KINDS:
        raise ValueError(f"no pipeline kind {kind!r}; have {', '.join(PIPELINE_KINDS)}")
    if kind != "rules":
        if model is None or not (model / "config.cfg").is_file():
            raise PipelineChoiceError(f"the {kind} {lang} pipeline needs a trained model: {model}")
    if kind in ("trained", "combined"):
        trained = spacy.load(model)
        if kind == "trained":
            return trained
    config = load_config(DATA / f"{lang}.cfg")
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    nlp.initialize()
    if kind == "combined":
        nlp.add_pipe("ner", source=trained, last=True)
    if kind == "by_type":
        config = {"model": str(model), "types": dict(types or {})}
        nlp.add_pipe("entity_sources", config=config, last=True)
    return nlp


class PipelineChoice(NamedTuple):
    kind: str
    model: Path | None  # the trained model's folder, for every kind but "rules"
    types: dict[str, str] | None = None  # entity type -> source, for "by_type"


def default_choices(path: Path = DEFAULTS_PATH) -> dict[str, PipelineChoice]:
    """Each language's default pipeline, as ``cluster-nlp train-ner`` decided it.

    Model folders in the file are relative to the models folder (``CLUSTER_NLP_MODELS_DIR``).
    """
    entries = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(entries, dict) or set(entries) != set(LANGUAGES):
        raise PipelineChoiceError(f"{path.name}: needs one entry for each of {LANGUAGES}")
    choices = {}
    for lang, entry in entries.items():
        if not isinstance(entry, dict) or entry.get("pipeline") not in PIPELINE_KINDS:
            raise PipelineChoiceError(f"{path.name}: {lang} needs pipeline: {PIPELINE_KINDS}")
        needs_model = entry["pipeline"] != "rules"
        if needs_model != bool(entry.get("model")):
            raise PipelineChoiceError(
                f"{path.name}: {lang}: rules takes no model; trained and combined need one"
            )
        model = get_settings().models_dir / entry["model"] if needs_model else None
        types = entry.get("types")
        if (entry["pipeline"] == "by_type") != isinstance(types, dict) or not all(
            source in SOURCES for source in (types or {}).values()
        ):
            raise PipelineChoiceError(
                f"{path.name}: {lang}: by_type needs types: {{TYPE: {'|'.join(SOURCES)}}}, "
                "and only by_type takes them"
            )
        choices[lang] = PipelineChoice(entry["pipeline"], model, types)
    return choices


@cache
def pipeline(lang: str) -> Language:
    """The default pipeline for ``lang`` (``nlp/data/default_pipeline.yaml``), built once."""
    if lang not in LANGUAGES:
        raise ValueError(f"no entity pipeline for language {lang!r}; have {', '.join(LANGUAGES)}")
    choice = default_choices()[lang]
    return build_pipeline(lang, choice.kind, choice.model, choice.types)


EXTRACTOR_PACKAGES = ("spacy", "natasha", "slovnet", "pymorphy3")


def hash_folder(digest, label: str, folder: Path) -> None:
    """Each file under ``folder`` as ``label/<path relative to folder>`` and its bytes, sorted,
    so the digest is the same wherever the folder lies and whatever the working directory."""
    if not folder.is_dir():
        raise PipelineChoiceError(f"{label}: no folder at {folder}")
    files = sorted(
        (path.relative_to(folder).as_posix(), path) for path in folder.rglob("*") if path.is_file()
    )
    for relative, path in files:
        digest.update(f"{label}/{relative}".encode())
        digest.update(path.read_bytes())


@cache
def extractor_version() -> str:
    """A short hash of everything that decides what the extractor finds.

    The configs, patterns and gazetteers under ``nlp/data``, the trained models the defaults
    use, the code of this package (its rules live there too) and the versions of the NLP
    packages: change any of them and stored entities are told apart from the new ones. Files
    are named relative to their folder, and a default model that is missing is an error,
    never a silently different version.
    """
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")):
        digest.update(f"nlp/{path.name}".encode())
        digest.update(path.read_bytes())
    hash_folder(digest, "data", DATA)
    for lang, choice in sorted(default_choices().items()):
        if choice.model is not None:
            hash_folder(digest, f"model-{lang}", choice.model)
    for name in EXTRACTOR_PACKAGES:
        digest.update(f"{name}=={version(name)}".encode())
    return f"ner-{digest.hexdigest()[:12]}"
