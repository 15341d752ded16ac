"""Turn writers' drafts (``corpus/drafts/*.jsonl``) into ``corpus/labels.jsonl`` records.

Entities are located in the markdown source at every whole-word occurrence, longest string
first, never overlapping; rationale quotes are located as ``cluster_nlp.corpus.rationales``
does. Splits are stratified by language and formation type (or negative) and deterministic; a
document already in ``labels.jsonl`` keeps its split, so adding documents never moves old ones
between train and test.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from cluster_nlp.corpus.rationales import locate_rationales, rationale_problems
from cluster_nlp.corpus.requirements import CorpusRequirements, load_requirements
from cluster_nlp.corpus.schema import (
    CorpusError,
    DraftEntity,
    DraftRecord,
    EntitySpan,
    LabelRecord,
    LabelSet,
    Split,
    parse_jsonl,
    pdf_path,
    read_label_records,
    source_path,
    write_label_records,
)
from cluster_nlp.taxonomy import Taxonomy


class MergeError(CorpusError):
    """Drafts that cannot be merged; ``problems`` lists every one, each on one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True)
class MergeResult:
    records: list[LabelRecord]
    added: list[str]
    updated: list[str]
    warnings: list[str]


def merge_drafts(
    drafts: list[Path],
    corpus_dir: Path,
    taxonomy: Taxonomy,
    requirements: CorpusRequirements | None = None,
) -> MergeResult:
    """Merge ``drafts`` into ``corpus_dir/labels.jsonl``; nothing is written if any draft is bad."""
    requirements = requirements or load_requirements()
    labels_path = corpus_dir / "labels.jsonl"
    existing = (
        {r.doc_id: r for r in read_label_records(labels_path)} if labels_path.is_file() else {}
    )

    problems: list[str] = []
    warnings: list[str] = []
    merged: dict[str, LabelRecord] = {}
    for draft in _read_drafts(drafts, problems):
        record = _to_record(draft, corpus_dir, taxonomy, existing, problems, warnings)
        if record is not None:
            merged[draft.doc_id] = record
    if problems:
        raise MergeError(problems)

    records = [record for doc_id, record in existing.items() if doc_id not in merged]
    records = assign_splits([*records, *merged.values()], set(existing), taxonomy, requirements)
    write_label_records(labels_path, records)
    return MergeResult(
        records=sorted(records, key=lambda record: record.doc_id),
        added=sorted(doc_id for doc_id in merged if doc_id not in existing),
        updated=sorted(doc_id for doc_id in merged if doc_id in existing),
        warnings=warnings,
    )


def _read_drafts(paths: list[Path], problems: list[str]) -> list[DraftRecord]:
    drafts: list[DraftRecord] = []
    seen: dict[str, str] = {}
    for path in paths:
        for line in parse_jsonl(path, DraftRecord):
            if line.error is not None:
                problems.append(line.error)
                continue
            where = f"{path.name}:{line.number}"
            doc_id = line.record.doc_id
            if doc_id in seen:
                problems.append(f"{where}: doc id {doc_id} is already in {seen[doc_id]}")
                continue
            seen[doc_id] = where
            drafts.append(line.record)
    return drafts


def _to_record(
    draft: DraftRecord,
    corpus_dir: Path,
    taxonomy: Taxonomy,
    existing: dict[str, LabelRecord],
    problems: list[str],
    warnings: list[str],
) -> LabelRecord | None:
    found = len(problems)
    for group, label_id in draft.unknown_ids(taxonomy):
        problems.append(f"{draft.doc_id}: unknown {group} id {label_id!r}")
    for entity in draft.entities or []:
        if entity.label not in taxonomy.entity_type_ids():
            problems.append(
                f"{draft.doc_id}: unknown entity type {entity.label!r} for {entity.text!r}"
            )
    source = corpus_dir / source_path(draft.doc_id)
    if not source.is_file():
        problems.append(f"{draft.doc_id}: source {source_path(draft.doc_id)} does not exist")
    if len(problems) > found:
        return None

    text = source.read_text(encoding="utf-8")
    rationales = None
    if draft.rationales is not None:
        problems.extend(rationale_problems(draft.doc_id, draft, list(draft.rationales), taxonomy))
        problems.extend(
            f"{draft.doc_id}: label {label_id!r} has an empty list of quotes"
            for label_id, quotes in draft.rationales.items()
            if not quotes
        )
        rationales, missing_quotes = locate_rationales(text, draft.rationales)
        problems.extend(
            f"{draft.doc_id}: quote for {label_id!r} not in {source_path(draft.doc_id)}: {quote!r}"
            for label_id, quote in missing_quotes
        )
        if len(problems) > found:
            return None
    spans = None
    if draft.entities is not None:
        spans, missing, unplaced = locate_entities(text, draft.entities)
        if missing:
            problems.extend(
                f"{draft.doc_id}: entity {e.text!r} ({e.label}) has no whole-word occurrence in "
                f"{source_path(draft.doc_id)}"
                for e in missing
            )
            return None
        warnings.extend(
            f"{draft.doc_id}: entity {e.text!r} ({e.label}) only occurs inside other entities"
            for e in unplaced
        )
    previous = existing.get(draft.doc_id)
    return LabelRecord(
        doc_id=draft.doc_id,
        path=pdf_path(draft.doc_id),
        source=source_path(draft.doc_id),
        lang=draft.lang,
        genre=draft.genre,
        # New documents get a placeholder here; assign_splits stratifies them afterwards.
        split=previous.split if previous else Split.TRAIN,
        batch=draft.batch if draft.batch is not None else previous and previous.batch,
        formation_type=draft.formation_type,
        functions=draft.functions,
        institutional_forms=draft.institutional_forms,
        entities=spans,
        rationales=rationales,
        illustrative=draft.illustrative,
    )


def locate_entities(
    text: str, entities: list[DraftEntity]
) -> tuple[list[EntitySpan], list[DraftEntity], list[DraftEntity]]:
    """Spans of every whole-word occurrence, longest strings first, without overlaps.

    Returns (spans sorted by start, entities with no whole-word occurrence at all, entities
    whose every occurrence lies inside an entity placed before them).
    """
    distinct = list(dict.fromkeys((entity.text, entity.label) for entity in entities))
    # Stable sort: equal lengths keep the writer's order, so the result is deterministic.
    ordered = sorted(distinct, key=lambda pair: -len(pair[0]))
    taken = [False] * len(text)
    spans: list[EntitySpan] = []
    missing: list[DraftEntity] = []
    unplaced: list[DraftEntity] = []
    for surface, label in ordered:
        starts = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]
        placed = 0
        for start in starts:
            end = start + len(surface)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                spans.append(EntitySpan(start=start, end=end, label=label, text=surface))
                placed += 1
        if not starts:
            missing.append(DraftEntity(text=surface, label=label))
        elif not placed:
            unplaced.append(DraftEntity(text=surface, label=label))
    return sorted(spans, key=lambda span: span.start), missing, unplaced


def stratum(
    labels: LabelSet, lang: str, taxonomy: Taxonomy, requirements: CorpusRequirements
) -> str:
    """The split stratum: language plus negative, first formation type, or "other"."""
    if requirements.is_negative(labels):
        kind = "negative"
    else:
        kind = next(
            (fid for fid in taxonomy.group_ids("formation_type") if fid in labels.formation_type),
            "other",
        )
    return f"{lang}/{kind}"


def assign_splits(
    records: list[LabelRecord],
    settled: set[str],
    taxonomy: Taxonomy,
    requirements: CorpusRequirements,
) -> list[LabelRecord]:
    """Give every record whose doc id is not in ``settled`` a stratified split.

    With ``held_out_batches`` the split is drawn by writer instead: every record, settled or
    not, is in test exactly when its batch is held out. Otherwise, per stratum, enough unsettled
    documents go to test that test holds at least ``test_share`` of the stratum (rounded up);
    which ones is decided by the sha256 of the doc id, so the same inputs give the same split.
    Settled records are counted, never moved.
    """
    if requirements.held_out_batches:
        held_out = set(requirements.held_out_batches)
        return [
            record.model_copy(
                update={"split": Split.TEST if record.batch in held_out else Split.TRAIN}
            )
            for record in records
        ]
    strata: dict[str, list[LabelRecord]] = defaultdict(list)
    for record in records:
        strata[stratum(record.labels, record.lang, taxonomy, requirements)].append(record)

    decided: dict[str, Split] = {}
    for members in strata.values():
        fixed = [r for r in members if r.doc_id in settled]
        unsettled = sorted(
            (r for r in members if r.doc_id not in settled),
            key=lambda r: hashlib.sha256(r.doc_id.encode("utf-8")).hexdigest(),
        )
        wanted = math.ceil(len(members) * requirements.test_share)
        to_test = max(0, wanted - sum(r.split is Split.TEST for r in fixed))
        for position, record in enumerate(unsettled):
            decided[record.doc_id] = Split.TEST if position < to_test else Split.TRAIN
    return [
        record.model_copy(update={"split": decided[record.doc_id]})
        if record.doc_id in decided
        else record
        for record in records
    ]
