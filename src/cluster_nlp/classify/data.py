"""Labelled texts for training and evaluation, from the corpus or any labels file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cluster_nlp.corpus.markdown import parse_markdown, plain_text
from cluster_nlp.corpus.schema import LabelSet, read_label_records
from cluster_nlp.taxonomy import GROUPS, Taxonomy, UnknownLabelError


@dataclass(frozen=True)
class LabeledText:
    doc_id: str
    text: str
    lang: str
    genre: str
    split: str
    labels: LabelSet


def load_labeled_texts(labels_path: Path, taxonomy: Taxonomy) -> list[LabeledText]:
    """Every record of a labels file with its source text; unknown ids are a one-line error."""
    corpus_dir = labels_path.parent
    examples = []
    for record in read_label_records(labels_path):
        unknown = record.unknown_ids(taxonomy)
        if unknown:
            group, label_id = unknown[0]
            raise UnknownLabelError(
                f"{labels_path.name}: document {record.doc_id} has unknown {group} id {label_id!r}"
            )
        source = corpus_dir / record.source
        text = plain_text(parse_markdown(source.read_text(encoding="utf-8")))
        examples.append(
            LabeledText(
                doc_id=record.doc_id,
                text=text,
                lang=record.lang,
                genre=record.genre.value,
                split=record.split.value,
                labels=record.label_set(),
            )
        )
    return examples


def label_matrix(examples: list[LabeledText], group: str, taxonomy: Taxonomy) -> np.ndarray:
    ids = taxonomy.group_ids(group)
    return np.array(
        [[int(label in example.labels.ids(group)) for label in ids] for example in examples],
        dtype=int,
    ).reshape(len(examples), len(ids))


def data_hash(examples: list[LabeledText]) -> str:
    """sha256 over texts, labels and splits: equal training data, equal hash."""
    canonical = [
        {
            "doc_id": example.doc_id,
            "text": hashlib.sha256(example.text.encode("utf-8")).hexdigest(),
            "split": example.split,
            "labels": {group: sorted(example.labels.ids(group)) for group in GROUPS},
        }
        for example in sorted(examples, key=lambda example: example.doc_id)
    ]
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode("utf-8")).hexdigest()
