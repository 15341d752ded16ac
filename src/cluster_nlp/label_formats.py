"""The formats reviewed labels travel in (kept apart so the command line imports nothing else)."""

from __future__ import annotations

from enum import StrEnum


class ExchangeFormat(StrEnum):
    CORPUS = "corpus"  # labels.jsonl and src/*.md, as in corpus/
    LABEL_STUDIO = "label-studio"  # a JSON list of tasks with completed annotations
    PRODIGY = "prodigy"  # JSONL choice records with spans
    SPACY = "spacy"  # a DocBin with entities and document categories
