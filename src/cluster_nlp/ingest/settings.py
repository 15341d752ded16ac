"""Thresholds and word lists of the ingest stage, read from ``ingest/data/*.yaml``.

Each file is validated once, on first use, so a typo in a threshold fails loudly with the file
and the field named instead of silently changing how documents are read.
"""

from __future__ import annotations

import codecs
import re
from functools import cache
from importlib import resources
from typing import Annotated, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]


class SettingsError(ValueError):
    """A packaged ingest data file is missing or does not validate."""


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EngineSettings(_Settings):
    plumber_tables_in_auto: bool
    plumber_second_opinion: bool


class LayoutSettings(_Settings):
    row_overlap: Share
    line_overlap: Share
    tall_word: Positive
    segment_gap_em: Positive
    segment_gap_ratio: Positive
    gutter_min_em: Positive
    gutter_rows: int = Field(ge=1)
    min_column_share: Share
    min_column_lines: int = Field(ge=1)
    spanning_share: Share
    blocker_share: Share
    max_cut_depth: int = Field(ge=1)
    paragraph_gap_em: Positive
    indent_em: Positive
    size_change: Share
    short_line_share: Share
    continuation_look_back: int = Field(ge=1)

    @model_validator(mode="after")
    def _line_tighter_than_row(self) -> LayoutSettings:
        if self.line_overlap <= self.row_overlap:
            raise ValueError("line_overlap must be above row_overlap")
        return self


class HyphenationSettings(_Settings):
    cyrillic_particles: frozenset[str]
    cyrillic_compound_endings: tuple[str, ...]
    latin_dictionary: str


class FurnitureSettings(_Settings):
    band_share: Share
    min_repeats: int = Field(ge=2)
    similarity: Share
    neighbour_pages: int = Field(ge=1)
    page_number_patterns: tuple[re.Pattern[str], ...]

    @field_validator("page_number_patterns", mode="before")
    @classmethod
    def _compile(cls, patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern) for pattern in patterns)


class TableSettings(_Settings):
    rule_max_thickness: Positive
    rule_min_length: Positive
    box_max_segments: int = Field(ge=4)
    snap_tolerance: Positive
    min_rule_coverage: Share
    min_rows: int = Field(ge=1)
    min_columns: int = Field(ge=1)
    min_filled_cells: int = Field(ge=1)
    layout_table_words_per_cell: Positive


class QualitySettings(_Settings):
    min_letters: int = Field(ge=1)
    min_grade: Share
    low_letter_ratio: Share
    lookalike_min_tokens: int = Field(ge=1)
    lookalike_share: Share
    min_vowel_share: Share
    vowel_min_letters: int = Field(ge=1)
    cid_share: Share
    replacement_share: Share
    private_use_share: Share
    control_share: Share
    cp1251_min_words: int = Field(ge=1)
    image_coverage: Share


class LanguageSettings(_Settings):
    min_letters: int = Field(ge=1)
    cyrillic_share: Share
    cyrillic_languages: frozenset[str]
    min_probability: Share
    latin_fallback: str


class TitleSettings(_Settings):
    max_chars: int = Field(ge=10)
    max_words: int = Field(ge=1)
    min_letters: int = Field(ge=1)
    heading_size_ratio: Positive
    first_paragraphs: int = Field(ge=1)
    capitals_share: Share
    max_heading_words: int = Field(ge=1)
    junk_patterns: tuple[re.Pattern[str], ...]

    @field_validator("junk_patterns", mode="before")
    @classmethod
    def _compile(cls, patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


class OcrSettings(_Settings):
    languages: tuple[str, ...]
    dpi: int = Field(ge=72, le=600)
    max_pixels: int = Field(ge=1_000_000)
    timeout_s: Positive
    min_confidence: float = Field(ge=0.0, le=100.0)
    page_segmentation_mode: int = Field(ge=0, le=13)


Model = TypeVar("Model", bound=_Settings)


class TextFileSettings(_Settings):
    encodings: tuple[str, ...] = Field(min_length=1)

    @field_validator("encodings")
    @classmethod
    def _known(cls, encodings: tuple[str, ...]) -> tuple[str, ...]:
        for name in encodings:
            codecs.lookup(name)  # LookupError names the unknown encoding
        return encodings


def _load(name: str, model: type[Model]) -> Model:
    try:
        text = (
            resources.files("cluster_nlp.ingest").joinpath("data").joinpath(name).read_text("utf-8")
        )
        return model.model_validate(yaml.safe_load(text))
    except FileNotFoundError as error:
        raise SettingsError(f"ingest data file data/{name} is missing") from error
    except (ValidationError, yaml.YAMLError, re.error, LookupError) as error:
        summary = " ".join(str(error).split())
        raise SettingsError(f"ingest data file data/{name} is invalid: {summary}") from error


@cache
def engine_settings() -> EngineSettings:
    return _load("engines.yaml", EngineSettings)


@cache
def layout_settings() -> LayoutSettings:
    return _load("layout.yaml", LayoutSettings)


@cache
def hyphenation_settings() -> HyphenationSettings:
    return _load("hyphenation.yaml", HyphenationSettings)


@cache
def furniture_settings() -> FurnitureSettings:
    return _load("furniture.yaml", FurnitureSettings)


@cache
def table_settings() -> TableSettings:
    return _load("tables.yaml", TableSettings)


@cache
def quality_settings() -> QualitySettings:
    return _load("quality.yaml", QualitySettings)


@cache
def language_settings() -> LanguageSettings:
    return _load("language.yaml", LanguageSettings)


@cache
def title_settings() -> TitleSettings:
    return _load("title.yaml", TitleSettings)


@cache
def ocr_settings() -> OcrSettings:
    return _load("ocr.yaml", OcrSettings)


@cache
def text_file_settings() -> TextFileSettings:
    return _load("text_files.yaml", TextFileSettings)
