"""The tagging and evaluation settings (``data/classify.yaml``), validated at load.

Thresholds and word lists that decide what a document is tagged with are data: a researcher
changes them in the YAML file (or passes another file), and every model records the file's
version and sha256 with its parameters.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cluster_nlp.datafile import load_yaml_model
from cluster_nlp.taxonomy import GROUPS

DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parent.parent / "data" / "classify.yaml"


class ClassifySettingsError(ValueError):
    """The settings file is missing, not YAML, or breaks a rule."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContentSettings(_Section):
    min_letters: int = Field(ge=1)
    min_words: int = Field(ge=1)
    min_letter_share: float = Field(ge=0.0, le=1.0)
    max_url_share: float = Field(ge=0.0, le=1.0)
    reference_patterns: tuple[str, ...]
    reference_headings: tuple[str, ...]
    references_after_share: float = Field(ge=0.0, le=1.0)

    @field_validator("reference_patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"reference pattern {pattern!r}: {error}") from error
        return patterns


class RelevanceSettings(_Section):
    ai_terms: tuple[str, ...] = Field(min_length=1)
    ai_words: tuple[str, ...] = ()
    structure_terms: tuple[str, ...] = Field(min_length=1)
    exclude_terms: tuple[str, ...] = ()
    half_at: float = Field(gt=0.0)
    min_ai_per_1000_words: float = Field(ge=0.0)
    min_score: float = Field(ge=0.0, le=1.0)


class CueFloorSettings(_Section):
    min_matches: int = Field(ge=1)
    veto_below: float = Field(ge=0.0, le=1.0)


class Furniture(_Section):
    ru: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)


class ViewSettings(_Section):
    seed: int = 0
    excerpts_per_document: int = Field(ge=1)
    excerpt_min_chars: int = Field(ge=1)
    excerpt_max_chars: int = Field(ge=1)
    rationale_inside_share: float = Field(gt=0.0, le=1.0)
    fallback_min_coverage: float = Field(ge=0.0, le=1.0)
    ocr_error_rate: float = Field(ge=0.0, le=0.5)
    furniture: Furniture

    @model_validator(mode="after")
    def _ordered(self) -> ViewSettings:
        if self.excerpt_max_chars < self.excerpt_min_chars:
            raise ValueError("excerpt_max_chars must be at least excerpt_min_chars")
        return self


class TrainingSettings(_Section):
    exclude_documents: tuple[str, ...] = ()


class ClassifySettings(_Section):
    version: int = Field(ge=1)
    content: ContentSettings
    relevance: RelevanceSettings
    cue_floor: dict[str, CueFloorSettings | None]  # per label group; None: no floor
    views: ViewSettings
    training: TrainingSettings
    sha256: str = ""  # of the file's bytes, filled in at load

    @model_validator(mode="after")
    def _every_group_floored(self) -> ClassifySettings:
        missing = [group for group in GROUPS if group not in self.cue_floor]
        unknown = [group for group in self.cue_floor if group not in GROUPS]
        if missing or unknown:
            raise ValueError(
                f"cue_floor needs exactly the groups {', '.join(GROUPS)}; "
                f"missing {missing or 'none'}, unknown {unknown or 'none'}"
            )
        return self


def load_classify_settings(path: Path | str | None = None) -> ClassifySettings:
    """The settings file (the packaged one when ``path`` is None), validated."""
    resolved = Path(path).resolve() if path is not None else DEFAULT_SETTINGS_PATH
    try:
        modified = resolved.stat().st_mtime_ns
    except OSError as error:
        raise ClassifySettingsError(
            f"cannot read classify settings {resolved}: {error.strerror}"
        ) from error
    return _load(resolved, modified)


@lru_cache(maxsize=8)
def _load(path: Path, modified_ns: int) -> ClassifySettings:
    """Parsed once per file version (``modified_ns`` is part of the cache key)."""
    settings = load_yaml_model(path, ClassifySettings, ClassifySettingsError)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return settings.model_copy(update={"sha256": digest})


DEFAULT_TRAINING_PATH = DEFAULT_SETTINGS_PATH.parent / "training.yaml"
MODEL_KINDS = ("passages", "document", "best")


class PassageSettings(_Section):
    """The passage model's parameters (``passage_model.PassageClassifier``)."""

    encoder: str = Field(min_length=1)
    Cs: tuple[float, ...] = Field(min_length=1)
    cv: int = Field(ge=2)
    top_k: int = Field(ge=1)
    cue_weight: float = Field(ge=0.0)
    context_weight: float = Field(ge=0.0)
    unlocated_weight: float = Field(ge=0.0)
    min_overlap_share: float = Field(gt=0.0, le=1.0)
    threshold_scoring: str = "f1"
    shared_threshold: bool = False
    excerpts_per_document: int = Field(0, ge=0)
    folds_by: Literal["document", "batch"] = "document"
    random_state: int = 0

    @field_validator("Cs")
    @classmethod
    def _positive(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        if any(value <= 0 for value in values):
            raise ValueError(f"every C must be positive, got {list(values)}")
        return values


class TrainingConfig(_Section):
    version: int = Field(ge=1)
    model: str
    choose_on: tuple[str, ...] = Field(min_length=1)
    vector_cache: Path
    passages: PassageSettings
    document: dict = Field(default_factory=dict)
    sha256: str = ""  # of the file's bytes, filled in at load

    @field_validator("model")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in MODEL_KINDS:
            raise ValueError(f"model must be one of {', '.join(MODEL_KINDS)}, not {kind!r}")
        return kind

    @field_validator("choose_on")
    @classmethod
    def _known_views(cls, views: tuple[str, ...]) -> tuple[str, ...]:
        from cluster_nlp.classify.views import VIEWS

        unknown = [view for view in views if view not in VIEWS]
        if unknown:
            raise ValueError(f"unknown view {unknown[0]!r}; views are {', '.join(VIEWS)}")
        return views

    @field_validator("document")
    @classmethod
    def _document_params(cls, params: dict) -> dict:
        from cluster_nlp.classify.model import GroupClassifier

        known = set(GroupClassifier().get_params()) - {"labels", "cues", "prototypes", "embedder"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(
                f"unknown document-model parameter {unknown[0]!r}; "
                f"known: {', '.join(sorted(known))}"
            )
        return params


def load_training_settings(path: Path | str | None = None) -> TrainingConfig:
    """The training settings file (the packaged one when ``path`` is None), validated."""
    resolved = Path(path).resolve() if path is not None else DEFAULT_TRAINING_PATH
    try:
        settings = load_yaml_model(resolved, TrainingConfig, ClassifySettingsError)
        digest = hashlib.sha256(resolved.read_bytes()).hexdigest()
    except OSError as error:
        raise ClassifySettingsError(
            f"cannot read training settings {resolved}: {error.strerror}"
        ) from error
    return settings.model_copy(update={"sha256": digest})
