"""Labelled texts for training and evaluation, from the corpus or any labels file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from cluster_nlp.corpus.markdown import parse_markdown, plain_text
from cluster_nlp.corpus.schema import LabelSet, read_label_records
from cluster_nlp.corpus.schema import label_matrix as label_set_matrix
from cluster_nlp.store.decisions import latest_decisions
from cluster_nlp.store.documents import SessionFactory, load_document
from cluster_nlp.store.predictions import newest_prediction
from cluster_nlp.taxonomy import GROUPS, Taxonomy

DECISION_GENRE = "reviewed"


@dataclass(frozen=True)
class LabeledText:
    doc_id: str
    text: str
    lang: str
    genre: str
    split: str
    labels: LabelSet
    sha256: str | None = None  # of the document's file, to match stored documents and decisions
    # The groups an analyst decided (decisions only); the others came from the model.
    reviewed_groups: tuple[str, ...] = GROUPS
    # label -> the passages (their text) that justify it, where the corpus records them
    rationales: dict[str, tuple[str, ...]] | None = None
    # The corpus's writing batch (who wrote it); None for documents from elsewhere.
    batch: str | None = None


def rationale_texts(record: object) -> dict[str, tuple[str, ...]] | None:
    """A labels record's rationales as label -> texts, or None where it has none.

    Rationales are given as character offsets into the document's source (``corpus/src``)
    with their text; the text is what is kept, because the plain text a model reads drops the
    markdown and so shifts every offset. Read leniently: a record written before rationales
    existed has none.
    """
    raw = getattr(record, "rationales", None)
    if not raw:
        return None
    found = {}
    for label, spans in dict(raw).items():
        texts = tuple(
            span["text"] if isinstance(span, dict) else getattr(span, "text", "") for span in spans
        )
        found[label] = tuple(text for text in texts if text and text.strip())
    return found


def load_labeled_texts(labels_path: Path, taxonomy: Taxonomy) -> list[LabeledText]:
    """Every record of a labels file with its source text; unknown ids are a one-line error."""
    corpus_dir = labels_path.parent
    examples = []
    for record in read_label_records(labels_path):
        record.require_known(taxonomy, f"{labels_path.name}: document {record.doc_id}")
        source = corpus_dir / record.source
        text = plain_text(parse_markdown(source.read_text(encoding="utf-8")))
        pdf = corpus_dir / record.path
        examples.append(
            LabeledText(
                doc_id=record.doc_id,
                text=text,
                lang=record.lang,
                genre=record.genre.value,
                split=record.split.value,
                labels=record.label_set(),
                sha256=hashlib.sha256(pdf.read_bytes()).hexdigest() if pdf.is_file() else None,
                rationales=rationale_texts(record),
                batch=record.batch,
            )
        )
    return examples


def decision_texts(sessions: SessionFactory, taxonomy: Taxonomy) -> list[LabeledText]:
    """Analysts' newest decisions as training examples, with the stored documents' texts.

    A group the analyst left alone keeps the newest prediction's labels, so one decided group
    does not teach the other groups that the document has none.
    """
    examples = []
    for decision in latest_decisions(sessions):
        reviewed = tuple(group for group in GROUPS if getattr(decision, group) is not None)
        predicted = newest_prediction(sessions, decision.document_id)
        labels = LabelSet(
            **{
                group: getattr(decision, group)
                if group in reviewed
                else (predicted.labels(group) if predicted else [])
                for group in GROUPS
            }
        )
        labels.require_known(taxonomy, f"decision on {decision.document_id[:12]}")
        document = load_document(sessions, decision.document_id)
        examples.append(
            LabeledText(
                doc_id=decision.document_id,
                text=document.text,
                lang=document.lang or "unknown",
                genre=DECISION_GENRE,
                split="train",
                labels=labels,
                sha256=decision.document_id,
                reviewed_groups=reviewed,
            )
        )
    return examples


def merge_decisions(corpus: list[LabeledText], decisions: list[LabeledText]) -> list[LabeledText]:
    """The corpus with analysts' decisions applied.

    A decision on a corpus document (same file bytes) replaces the labels of the groups it
    decided and keeps the split, so the test split stays the same documents; other reviewed
    documents join the train split.
    """
    by_hash = {example.sha256: example for example in corpus if example.sha256}
    replaced: dict[str, LabeledText] = {}
    extra = []
    for decision in decisions:
        original = by_hash.get(decision.sha256)
        if original is None:
            extra.append(decision)
            continue
        labels = LabelSet(
            **{
                group: (decision if group in decision.reviewed_groups else original).labels.ids(
                    group
                )
                for group in GROUPS
            }
        )
        replaced[original.doc_id] = replace(original, labels=labels)
    return [replaced.get(example.doc_id, example) for example in corpus] + extra


def label_matrix(examples: list[LabeledText], group: str, taxonomy: Taxonomy) -> np.ndarray:
    return label_set_matrix([example.labels for example in examples], group, taxonomy)


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
