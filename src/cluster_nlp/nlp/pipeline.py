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

import spacy
import yaml
from spacy.language import Language
from spacy.util import load_config, load_model_from_config

from cluster_nlp.nlp import natasha_ner  # noqa: F401  (registers the natasha_ner factory)

DATA = Path(__file__).with_name("data")
LANGUAGES = ("ru", "en")
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
    return _numeric_patterns(lang) + term_patterns(lang)


def build_pipeline(lang: str) -> Language:
    """A fresh pipeline for ``lang`` from ``nlp/data/<lang>.cfg``, initialised."""
    if lang not in LANGUAGES:
        raise ValueError(f"no entity pipeline for language {lang!r}; have {', '.join(LANGUAGES)}")
    config = load_config(DATA / f"{lang}.cfg")
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    nlp.initialize()
    return nlp


@cache
def pipeline(lang: str) -> Language:
    """The pipeline for ``lang``, built once per process."""
    return build_pipeline(lang)


EXTRACTOR_PACKAGES = ("spacy", "natasha", "slovnet", "pymorphy3")


@cache
def extractor_version() -> str:
    """A short hash of everything that decides what the extractor finds.

    The configs, patterns and gazetteers under ``nlp/data`` and the versions of the NLP
    packages: change any of them and stored entities are told apart from the new ones.
    """
    digest = hashlib.sha256()
    for path in sorted(DATA.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(DATA).as_posix().encode())
            digest.update(path.read_bytes())
    for package in EXTRACTOR_PACKAGES:
        digest.update(f"{package}=={version(package)}".encode())
    return f"ner-{digest.hexdigest()[:12]}"
