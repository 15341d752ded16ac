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
    cue_floor: dict[str, CueFloorSettings]  # per label group
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
