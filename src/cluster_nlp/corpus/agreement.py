"""How well a second, independent annotation of the corpus agrees with ``labels.jsonl``.

A second annotator labels documents without seeing the corpus's labels; comparing the two
tells how learnable the labels are (a classifier cannot be expected to agree with the corpus
more than a careful reader does) and which documents to adjudicate. Per group: micro-F1 of the
second annotation against the corpus (symmetric up to which side is called precision) and
Cohen's kappa per label, which discounts agreement by chance.

When the second annotation carries rationales, their overlap with the corpus's is measured on
every (document, label) that both sides assign and justify: character-level F1 and Jaccard of
the two sets of spans, and the share of such labels whose passages share any character (the
annotators pointed at the same evidence at least once).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ConfigDict
from sklearn.metrics import cohen_kappa_score, f1_score

from cluster_nlp.corpus.rationales import rationale_problems
from cluster_nlp.corpus.schema import (
    CorpusError,
    DocId,
    LabelRecord,
    LabelSet,
    RationaleSpan,
    label_matrix,
    read_jsonl,
)
from cluster_nlp.taxonomy import GROUPS, Taxonomy


class SecondAnnotation(LabelSet):
    """One document's labels from another annotator; notes beside them are kept, not read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    doc_id: DocId
    rationales: dict[str, list[RationaleSpan]] | None = None


@dataclass(frozen=True)
class Disagreement:
    doc_id: str
    group: str
    corpus_only: tuple[str, ...]
    second_only: tuple[str, ...]


@dataclass(frozen=True)
class GroupAgreement:
    group: str
    documents: int
    micro_f1: float
    mean_kappa: float | None  # over the labels that either side uses and both sides vary on
    kappa: dict[str, float | None]  # None: a label neither side varies on


@dataclass(frozen=True)
class RationaleOverlap:
    """Overlap of two annotators' rationales over the labels both assign and justify."""

    group: str
    labels: int  # (document, label) pairs compared
    char_f1: float | None  # mean over the pairs; None when there is no pair
    char_jaccard: float | None
    any_overlap: float | None  # share of pairs whose spans share at least one character


@dataclass(frozen=True)
class AgreementReport:
    documents: int
    not_annotated: int  # corpus documents (of the split) the second annotation skipped
    groups: list[GroupAgreement]
    disagreements: list[Disagreement]
    rationales: list[RationaleOverlap] | None = None  # None: the second side has none


def read_second_annotation(path: Path, taxonomy: Taxonomy) -> list[SecondAnnotation]:
    """The records of ``path``; a repeated document, an unknown id or a rationale that breaks
    the corpus's rules is a one-line error."""
    records = read_jsonl(path, SecondAnnotation)
    seen: set[str] = set()
    for record in records:
        if record.doc_id in seen:
            raise CorpusError(f"{path.name}: document {record.doc_id} is annotated twice")
        seen.add(record.doc_id)
        record.require_known(taxonomy, f"{path.name}: document {record.doc_id}")
        if record.rationales is not None:
            problems = rationale_problems(
                record.doc_id, record.label_set(), list(record.rationales), taxonomy
            )
            if problems:
                raise CorpusError(f"{path.name}: {problems[0]}")
    return records


def check_rationale_offsets(
    second: list[SecondAnnotation], corpus: list[LabelRecord], corpus_dir: Path
) -> None:
    """Raise a one-line ``CorpusError`` at the first second-side span whose text is not the
    source's text at its offsets."""
    sources = {record.doc_id: record.source for record in corpus}
    for record in second:
        if not record.rationales or record.doc_id not in sources:
            continue
        text = (corpus_dir / sources[record.doc_id]).read_text(encoding="utf-8")
        for label_id, spans in record.rationales.items():
            for span in spans:
                if text[span.start : span.end] != span.text:
                    raise CorpusError(
                        f"document {record.doc_id}: second rationale of {label_id!r} at "
                        f"{span.start}:{span.end} does not match the source"
                    )


def _characters(spans: list[RationaleSpan]) -> set[int]:
    return {position for span in spans for position in range(span.start, span.end)}


def span_overlap(first: list[RationaleSpan], second: list[RationaleSpan]) -> tuple[float, float]:
    """Character-level F1 and Jaccard of two sets of spans over the same text."""
    a, b = _characters(first), _characters(second)
    if not a and not b:
        return 1.0, 1.0
    shared = len(a & b)
    return 2 * shared / (len(a) + len(b)), shared / len(a | b)


def _rationale_overlap(
    group: str, pairs: list[tuple[LabelRecord, SecondAnnotation]], taxonomy: Taxonomy
) -> RationaleOverlap:
    scores = [
        span_overlap(first.rationales[label_id], other.rationales[label_id])
        for first, other in pairs
        if first.rationales is not None and other.rationales is not None
        for label_id in taxonomy.group_ids(group)
        if first.rationales.get(label_id) and other.rationales.get(label_id)
    ]
    if not scores:
        return RationaleOverlap(group, 0, None, None, None)
    f1s, jaccards = zip(*scores, strict=True)
    return RationaleOverlap(
        group=group,
        labels=len(scores),
        char_f1=float(np.mean(f1s)),
        char_jaccard=float(np.mean(jaccards)),
        any_overlap=float(np.mean([f1 > 0 for f1 in f1s])),
    )


def _kappa(corpus: np.ndarray, second: np.ndarray) -> float | None:
    if len(set(corpus)) == 1 and len(set(second)) == 1:
        return None  # no variation on either side: kappa is undefined
    if np.array_equal(corpus, second):
        return 1.0
    return float(cohen_kappa_score(corpus, second))


def _group_agreement(
    group: str, corpus: list[LabelSet], second: list[LabelSet], taxonomy: Taxonomy
) -> GroupAgreement:
    labels = taxonomy.group_ids(group)
    A, B = label_matrix(corpus, group, taxonomy), label_matrix(second, group, taxonomy)
    kappa = {label: _kappa(A[:, j], B[:, j]) for j, label in enumerate(labels)}
    defined = [value for value in kappa.values() if value is not None]
    return GroupAgreement(
        group=group,
        documents=len(corpus),
        micro_f1=float(f1_score(A, B, average="micro", zero_division=1.0)),
        mean_kappa=float(np.mean(defined)) if defined else None,
        kappa=kappa,
    )


def compare_annotations(
    corpus: list[LabelRecord],
    second: list[SecondAnnotation],
    taxonomy: Taxonomy,
    split: str | None = None,
) -> AgreementReport:
    """Agreement of ``second`` with ``corpus`` on the documents both label (of ``split``,
    or all); a document the corpus does not have is a one-line error."""
    by_id = {record.doc_id: record for record in corpus}
    stray = [record.doc_id for record in second if record.doc_id not in by_id]
    if stray:
        raise CorpusError(f"document {stray[0]} of the second annotation is not in the corpus")
    pairs = [
        (by_id[record.doc_id], record)
        for record in second
        if split is None or by_id[record.doc_id].split.value == split
    ]
    if not pairs:
        raise CorpusError(f"the second annotation has no document of split {split!r}")
    in_split = sum(split is None or record.split.value == split for record in corpus)
    firsts, seconds = [first for first, _ in pairs], [other for _, other in pairs]
    disagreements = [
        Disagreement(
            doc_id=first.doc_id,
            group=group,
            corpus_only=tuple(sorted(set(first.ids(group)) - set(other.ids(group)))),
            second_only=tuple(sorted(set(other.ids(group)) - set(first.ids(group)))),
        )
        for first, other in pairs
        for group in GROUPS
        if set(first.ids(group)) != set(other.ids(group))
    ]
    return AgreementReport(
        documents=len(pairs),
        not_annotated=in_split - len(pairs),
        groups=[_group_agreement(group, firsts, seconds, taxonomy) for group in GROUPS],
        disagreements=disagreements,
        rationales=(
            [_rationale_overlap(group, pairs, taxonomy) for group in GROUPS]
            if any(other.rationales is not None for _, other in pairs)
            else None
        ),
    )
