"""Rationales: the passages of a document's source that justify each of its labels.

Annotators quote sentences (or clauses) of the markdown source; the quotes are located here as
character spans, exactly or, when only whitespace differs (a quote copied across a line break),
by a pattern whose offsets are the source's own. ``rationale_problems`` holds the rules that
``corpus merge``, ``corpus rationales`` and ``corpus check`` share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cluster_nlp.corpus.schema import (
    CorpusError,
    LabelSet,
    RationaleAnnotation,
    RationaleSpan,
    parse_jsonl,
    read_label_records,
    write_label_records,
)
from cluster_nlp.taxonomy import Taxonomy


def locate_quote(source: str, quote: str) -> RationaleSpan | None:
    """The first occurrence of ``quote`` in ``source``; whitespace runs match any whitespace
    run. ``None`` when the quote is not there."""
    start = source.find(quote)
    if start >= 0:
        return RationaleSpan(start=start, end=start + len(quote), text=quote)
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(word) for word in words), source)
    if match is None:
        return None
    return RationaleSpan(start=match.start(), end=match.end(), text=match.group())


def locate_rationales(
    source: str, quotes: dict[str, list[str]]
) -> tuple[dict[str, list[RationaleSpan]], list[tuple[str, str]]]:
    """Spans per label (sorted, repeated quotes once) and the (label, quote) pairs not found."""
    located: dict[str, list[RationaleSpan]] = {}
    missing: list[tuple[str, str]] = []
    for label_id, label_quotes in quotes.items():
        spans: dict[tuple[int, int], RationaleSpan] = {}
        for quote in label_quotes:
            span = locate_quote(source, quote)
            if span is None:
                missing.append((label_id, quote))
            else:
                spans[(span.start, span.end)] = span
        located[label_id] = sorted(spans.values(), key=lambda span: (span.start, span.end))
    return located, missing


def rationale_problems(
    doc_id: str, labels: LabelSet, rationale_ids: list[str], taxonomy: Taxonomy
) -> list[str]:
    """One line per rule broken: a rationale for an unknown id or for a label the document does
    not have, or a label of the document without a rationale."""
    known = set(taxonomy.all_ids())
    assigned = set(labels.all_ids())
    problems = [
        f"{doc_id}: rationale for unknown label id {label_id!r}"
        if label_id not in known
        else f"{doc_id}: rationale for {label_id!r}, which the document is not labelled with"
        for label_id in rationale_ids
        if label_id not in assigned
    ]
    problems += [
        f"{doc_id}: label {label_id!r} has no rationale"
        for label_id in labels.all_ids()
        if label_id not in rationale_ids
    ]
    return problems


def empty_rationales(rationales: dict[str, list[RationaleSpan]]) -> list[str]:
    """Label ids whose list of spans is empty (a label needs at least one)."""
    return [label_id for label_id, spans in rationales.items() if not spans]


@dataclass(frozen=True)
class RationaleResult:
    documents: int
    spans: int


class RationaleError(CorpusError):
    """Rationales that cannot be attached; ``problems`` lists every one, each on one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


def attach_rationales(paths: list[Path], corpus_dir: Path, taxonomy: Taxonomy) -> RationaleResult:
    """Locate the quotes of ``paths`` in the sources and store them (and the batch, when given)
    in ``labels.jsonl``, replacing a document's earlier rationales. Labels, splits and entities
    are untouched; nothing is written if any line is bad."""
    labels_path = corpus_dir / "labels.jsonl"
    records = {record.doc_id: record for record in read_label_records(labels_path)}
    problems: list[str] = []
    updates: dict[str, dict[str, object]] = {}
    for path in paths:
        for line in parse_jsonl(path, RationaleAnnotation):
            if line.error is not None:
                problems.append(line.error)
                continue
            note = line.record
            where = f"{path.name}:{line.number}"
            record = records.get(note.doc_id)
            if record is None:
                problems.append(f"{where}: document {note.doc_id} is not in labels.jsonl")
                continue
            if note.doc_id in updates:
                problems.append(f"{where}: document {note.doc_id} is annotated twice")
                continue
            found = len(problems)
            problems += [
                f"{where}: {problem}"
                for problem in rationale_problems(
                    note.doc_id, record.labels, list(note.rationales), taxonomy
                )
            ]
            problems += [
                f"{where}: {note.doc_id}: label {label_id!r} has an empty list of quotes"
                for label_id, quotes in note.rationales.items()
                if not quotes
            ]
            source = (corpus_dir / record.source).read_text(encoding="utf-8")
            spans, missing = locate_rationales(source, note.rationales)
            problems += [
                f"{where}: {note.doc_id}: quote for {label_id!r} not in {record.source}: {quote!r}"
                for label_id, quote in missing
            ]
            if len(problems) == found:
                update: dict[str, object] = {"rationales": spans}
                if note.batch is not None:
                    update["batch"] = note.batch
                updates[note.doc_id] = update
    if problems:
        raise RationaleError(problems)
    for doc_id, update in updates.items():
        records[doc_id] = records[doc_id].model_copy(update=update)
    write_label_records(labels_path, list(records.values()))
    spans = sum(
        len(spans) for update in updates.values() for spans in update["rationales"].values()
    )
    return RationaleResult(documents=len(updates), spans=spans)
