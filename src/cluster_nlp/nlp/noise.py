"""Mentions no analyst wants to see as entities, dropped after extraction.

Off-domain noise from papers and tables ("DOI", "N.A.", "GDP" taken for a place, a formula's
"Y"), listed in ``data/canonical.yaml``, and lone kind words ("Фонда", "Центра") that no full
organisation name of the document explains (``canonical.lone_kind_link``).
"""

from __future__ import annotations

from collections.abc import Sequence

from cluster_nlp.nlp.canonical import ORG_LABEL, canonical_settings, is_lone_kind, lone_kind_link
from cluster_nlp.nlp.gazetteer import fold
from cluster_nlp.records import Entity


def is_noise(label: str, text: str) -> bool:
    settings = canonical_settings()
    folded = fold(" ".join(text.split()))
    if folded in settings.noise_any or folded in settings.noise_by_type.get(label, ()):
        return True
    if label in settings.symbol_types:
        letters = sum(char.isalpha() for char in text)
        return letters < 2 or any(char in settings.formula_signs for char in text)
    return False


def kept(mentions: Sequence[tuple[str, str]]) -> list[bool]:
    """For each (label, text) mention of one document, whether it survives: not noise, and
    not a lone kind word that no full organisation name of the document explains."""
    clean = [not is_noise(label, text) for label, text in mentions]
    org_names = [
        text for (label, text), ok in zip(mentions, clean, strict=True) if ok and label == ORG_LABEL
    ]
    return [
        ok
        and not (
            label == ORG_LABEL and is_lone_kind(text) and lone_kind_link(text, org_names) is None
        )
        for (label, text), ok in zip(mentions, clean, strict=True)
    ]


def without_noise(entities: Sequence[Entity]) -> list[Entity]:
    flags = kept([(entity.label, entity.text) for entity in entities])
    return [entity for entity, keep in zip(entities, flags, strict=True) if keep]
