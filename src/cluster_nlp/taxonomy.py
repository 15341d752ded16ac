"""The label taxonomy, loaded from YAML and validated once.

The taxonomy is data (``data/taxonomy.yaml`` by default): researchers can edit it or pass
another file without touching code. ``Taxonomy.version`` is the sha256 of the canonical JSON of
the loaded content, so a trained model can record exactly which taxonomy it learned. A label's
``descriptions`` (sentences that describe it as documents do, for the embedding score of a
model trained with them) are left out of the version: such a model embeds them when it is
trained and keeps them, so rewording
them changes what a newly trained model sees, not what a trained model's labels mean.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from cluster_nlp.datafile import load_yaml_model

DEFAULT_TAXONOMY_PATH = Path(__file__).parent / "data" / "taxonomy.yaml"

# The three groups every record, model and review screen is built around (the fields of
# ``cluster_nlp.corpus.schema.LabelSet``): the labels inside them are data, the groups are schema.
GROUPS: tuple[str, ...] = ("formation_type", "functions", "institutional_forms")

LABEL_ID_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
ENTITY_TYPE_PATTERN = r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# What ``Taxonomy.version`` leaves out (see the module docstring).
VERSION_EXCLUDES = {"groups": {"__all__": {"labels": {"__all__": {"descriptions"}}}}}


class TaxonomyError(ValueError):
    """The taxonomy file cannot be read or breaks a rule; the message is one line."""


class UnknownLabelError(ValueError):
    """A label id (or entity type) that the taxonomy does not define."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _PerLanguage(_Model):
    ru: list[Text] = []
    en: list[Text] = []


class Cues(_PerLanguage):
    """Lower-case cue phrases; each word of a cue matches as the start of a word."""

    @model_validator(mode="after")
    def _clean(self) -> Cues:
        for lang, cues in (("ru", self.ru), ("en", self.en)):
            if any(cue != cue.lower() for cue in cues):
                raise ValueError(f"{lang} cues must be lower case")
            repeated = sorted({cue for cue in cues if cues.count(cue) > 1})
            if repeated:
                raise ValueError(f"repeated {lang} cue {repeated[0]!r}")
        return self

    def for_lang(self, lang: str) -> list[str]:
        if lang not in ("ru", "en"):
            raise ValueError(f"no cues for language {lang!r}: use 'ru' or 'en'")
        return list(getattr(self, lang))


class Descriptions(_PerLanguage):
    """Whole sentences describing a label as a report or news item would, per language."""


class Label(_Model):
    id: Annotated[str, Field(pattern=LABEL_ID_PATTERN)]
    ru: Text
    en: Text
    definition: Text
    examples: list[Text] = []
    cues: Cues
    descriptions: Descriptions = Descriptions()


class Group(_Model):
    id: str
    ru: Text
    en: Text
    definition: Text
    passage_max_labels: Annotated[int, Field(ge=1)] | None = None
    labels: list[Label] = Field(min_length=1)

    @property
    def ids(self) -> list[str]:
        return [label.id for label in self.labels]


class EntityType(_Model):
    id: Annotated[str, Field(pattern=ENTITY_TYPE_PATTERN)]
    ru: Text
    en: Text
    definition: Text
    examples: list[Text] = []


class Taxonomy(_Model):
    name: Text
    groups: list[Group]
    entity_types: list[EntityType] = Field(min_length=1)

    @model_validator(mode="after")
    def _rules(self) -> Taxonomy:
        group_ids = [group.id for group in self.groups]
        unknown = [gid for gid in group_ids if gid not in GROUPS]
        if unknown:
            raise ValueError(f"unknown group {unknown[0]!r}; groups are {', '.join(GROUPS)}")
        if sorted(group_ids) != sorted(GROUPS):
            missing = [gid for gid in GROUPS if gid not in group_ids]
            detail = f"missing group {missing[0]!r}" if missing else "a group is listed twice"
            raise ValueError(detail)
        _require_unique("label id", [lid for group in self.groups for lid in group.ids])
        _require_unique("entity type", [etype.id for etype in self.entity_types])
        return self

    @cached_property
    def version(self) -> str:
        """sha256 of the canonical JSON of the content without the labels' descriptions: equal
        content, equal version."""
        content = self.model_dump(mode="json", exclude=VERSION_EXCLUDES)
        canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def group(self, group_id: str) -> Group:
        for group in self.groups:
            if group.id == group_id:
                return group
        raise UnknownLabelError(f"unknown group {group_id!r}; groups are {', '.join(GROUPS)}")

    def group_ids(self, group_id: str) -> list[str]:
        """The label ids of one group, in file order."""
        return self.group(group_id).ids

    def all_ids(self) -> list[str]:
        """Every label id of every group, in file order."""
        return [lid for group in self.groups for lid in group.ids]

    def label(self, label_id: str) -> Label:
        for group in self.groups:
            for label in group.labels:
                if label.id == label_id:
                    return label
        raise UnknownLabelError(f"unknown label id {label_id!r}")

    def group_of(self, label_id: str) -> str:
        for group in self.groups:
            if label_id in group.ids:
                return group.id
        raise UnknownLabelError(f"unknown label id {label_id!r}")

    def entity_type_ids(self) -> list[str]:
        return [etype.id for etype in self.entity_types]

    def require_ids(self, group_id: str, label_ids: list[str]) -> None:
        """Raise ``UnknownLabelError`` naming the first id that is not in ``group_id``."""
        known = set(self.group_ids(group_id))
        for label_id in label_ids:
            if label_id not in known:
                raise UnknownLabelError(f"unknown {group_id} id {label_id!r}")

    def require_entity_type(self, entity_type: str) -> None:
        if entity_type not in self.entity_type_ids():
            raise UnknownLabelError(f"unknown entity type {entity_type!r}")


def _require_unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


def cue_regex(cue: str) -> re.Pattern[str]:
    """A case-insensitive pattern where each word of ``cue`` matches as the start of a word.

    Words may be separated by any run of spaces; "территориальн кластер" finds
    "территориального  кластера" but not "нетерриториальный кластер".
    """
    return re.compile(rf"(?<!\w){cue_body(cue)}", re.IGNORECASE)


def cue_body(cue: str) -> str:
    """``cue_regex``'s pattern without its word-start check, for joining many cues under one."""
    words = cue.split()
    if not words:
        raise ValueError("a cue needs at least one word")
    return r"\w*\s+".join(re.escape(word) for word in words)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (the packaged one when ``path`` is None)."""
    resolved = Path(path).resolve() if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        modified = resolved.stat().st_mtime_ns
    except OSError as err:
        raise TaxonomyError(f"cannot read taxonomy {resolved}: {err.strerror}") from err
    return _load(resolved, modified)


@lru_cache(maxsize=8)
def _load(path: Path, modified_ns: int) -> Taxonomy:
    """Parse once per file version (``modified_ns`` is part of the cache key)."""
    return load_yaml_model(path, Taxonomy, TaxonomyError, label=f"taxonomy {path}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
