"""Which entity pipeline each language uses, and the version that names what it finds.

Kept apart from ``pipeline`` so that the version, which a tagging run needs for every cache
key, is known without loading spaCy: the run's own process stays small, and only the process
that extracts entities loads the pipelines.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import yaml

from cluster_nlp.config import get_settings

DATA = Path(__file__).with_name("data")
LANGUAGES = ("ru", "en")
DEFAULTS_PATH = DATA / "default_pipeline.yaml"
# rules: natasha and the entity ruler; trained: the corpus-trained ner alone; combined: both;
# by_type: each entity type from whichever of the three found it best (``entity_sources``).
PIPELINE_KINDS = ("rules", "trained", "combined", "by_type")
# Where ``by_type`` may take an entity type from.
SOURCES = ("rules", "trained", "combined")


class PipelineChoiceError(ValueError):
    """The default-pipeline file is malformed or names a model that is not there (one line)."""


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
