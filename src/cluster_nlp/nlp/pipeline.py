"""spaCy pipelines per language, built from the config files in ``nlp/data``.

The configs name registered components and functions only, so a researcher can change the
pipeline (add a trained ``ner``, drop a component) by editing a config, not code.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import spacy
import yaml
from spacy.language import Language
from spacy.util import load_config, load_model_from_config

from cluster_nlp.nlp import (  # noqa: F401  (register factories)
    entity_sources,
    natasha_ner,
    org_boundaries,
)
from cluster_nlp.nlp.choices import (
    DATA,
    LANGUAGES,
    PIPELINE_KINDS,
    PipelineChoiceError,
    default_choices,
)
from cluster_nlp.nlp.name_patterns import name_patterns

# Ruler patterns carry ids with this prefix, so each entity can say which component found it.
RULER_ID_PREFIX = "entity_ruler:"


class PatternError(ValueError):
    """A pattern data file is malformed (one line, naming the file and the entry)."""


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


@cache
def pipeline(lang: str) -> Language:
    """The default pipeline for ``lang`` (``nlp/data/default_pipeline.yaml``), built once."""
    if lang not in LANGUAGES:
        raise ValueError(f"no entity pipeline for language {lang!r}; have {', '.join(LANGUAGES)}")
    choice = default_choices()[lang]
    return build_pipeline(lang, choice.kind, choice.model, choice.types)
