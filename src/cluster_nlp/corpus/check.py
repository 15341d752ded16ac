"""Check ``corpus/labels.jsonl`` against its files, the taxonomy and the corpus requirements."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cluster_nlp.corpus.markdown import MarkdownError, parse_markdown
from cluster_nlp.corpus.rationales import empty_rationales, rationale_problems
from cluster_nlp.corpus.requirements import CorpusRequirements, load_requirements
from cluster_nlp.corpus.schema import CorpusError, LabelRecord, Split, parse_jsonl
from cluster_nlp.taxonomy import GROUPS, Taxonomy

LANGS = ("ru", "en")


class IssueKind(StrEnum):
    PARSE = "parse"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_LABEL = "unknown_label"
    UNKNOWN_ENTITY_TYPE = "unknown_entity_type"
    MISSING_SOURCE = "missing_source"
    MISSING_PDF = "missing_pdf"
    BAD_MARKDOWN = "bad_markdown"
    OFFSET_MISMATCH = "offset_mismatch"
    OVERLAPPING_SPANS = "overlapping_spans"
    RATIONALE = "rationale"
    REQUIREMENT = "requirement"


@dataclass(frozen=True)
class Issue:
    kind: IssueKind
    message: str
    doc_id: str | None = None


@dataclass
class CheckReport:
    """Every problem found, plus the counts the requirements are judged on."""

    issues: list[Issue] = field(default_factory=list)
    documents: int = 0
    by_split: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)
    negatives: int = 0
    # label id -> split -> number of documents; and label id -> language -> documents
    label_counts: dict[str, Counter[str]] = field(default_factory=dict)
    label_counts_by_lang: dict[str, Counter[str]] = field(default_factory=dict)
    # entity type -> language -> number of mentions
    entity_counts: dict[str, Counter[str]] = field(default_factory=dict)
    docs_with_entities: Counter[str] = field(default_factory=Counter)
    docs_with_rationales: Counter[str] = field(default_factory=Counter)  # per split
    rationale_spans: int = 0
    labels_with_rationales: int = 0
    docs_with_batch: int = 0
    by_batch: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.issues

    def kinds(self) -> set[IssueKind]:
        return {issue.kind for issue in self.issues}


def check_corpus(
    corpus_dir: Path, taxonomy: Taxonomy, requirements: CorpusRequirements | None = None
) -> CheckReport:
    requirements = requirements or load_requirements()
    labels_path = corpus_dir / "labels.jsonl"
    if not labels_path.is_file():
        raise CorpusError(f"{labels_path} does not exist: run `cluster-nlp corpus merge` first")
    report = CheckReport(
        label_counts={label_id: Counter() for label_id in taxonomy.all_ids()},
        label_counts_by_lang={label_id: Counter() for label_id in taxonomy.all_ids()},
        entity_counts={etype: Counter() for etype in taxonomy.entity_type_ids()},
    )
    records: list[LabelRecord] = []
    seen: set[str] = set()
    for line in parse_jsonl(labels_path, LabelRecord):
        if line.error is not None:
            report.issues.append(Issue(IssueKind.PARSE, line.error))
        elif line.record.doc_id in seen:
            message = f"labels.jsonl:{line.number}: doc id {line.record.doc_id} appears again"
            report.issues.append(Issue(IssueKind.DUPLICATE_ID, message, line.record.doc_id))
        else:
            seen.add(line.record.doc_id)
            records.append(line.record)

    for record in records:
        report.issues.extend(_record_issues(record, corpus_dir, taxonomy))
        _count(report, record, taxonomy, requirements)
    report.issues.extend(_requirement_issues(report, taxonomy, requirements))
    return report


def _record_issues(record: LabelRecord, corpus_dir: Path, taxonomy: Taxonomy) -> list[Issue]:
    doc = record.doc_id
    issues = [
        Issue(IssueKind.UNKNOWN_LABEL, f"{doc}: unknown {group} id {label_id!r}", doc)
        for group, label_id in record.unknown_ids(taxonomy)
    ]
    known_types = set(taxonomy.entity_type_ids())
    issues += [
        Issue(IssueKind.UNKNOWN_ENTITY_TYPE, f"{doc}: unknown entity type {label!r}", doc)
        for label in sorted({span.label for span in record.entities or []} - known_types)
    ]
    if not (corpus_dir / record.path).is_file():
        issues.append(Issue(IssueKind.MISSING_PDF, f"{doc}: {record.path} does not exist", doc))
    source = corpus_dir / record.source
    if not source.is_file():
        issues.append(
            Issue(IssueKind.MISSING_SOURCE, f"{doc}: {record.source} does not exist", doc)
        )
        return issues
    text = source.read_text(encoding="utf-8")
    try:
        parse_markdown(text)
    except MarkdownError as err:
        issues.append(Issue(IssueKind.BAD_MARKDOWN, f"{doc}: {record.source}: {err}", doc))
    spans = sorted(record.entities or [], key=lambda span: (span.start, span.end))
    for span in spans:
        if text[span.start : span.end] != span.text:
            found = text[span.start : span.end]
            message = (
                f"{doc}: span {span.start}:{span.end} is {found!r} in the source, not {span.text!r}"
            )
            issues.append(Issue(IssueKind.OFFSET_MISMATCH, message, doc))
    for before, after in zip(spans, spans[1:], strict=False):
        if after.start < before.end:
            message = (
                f"{doc}: span {before.text!r} at {before.start}:{before.end} overlaps "
                f"{after.text!r} at {after.start}:{after.end}"
            )
            issues.append(Issue(IssueKind.OVERLAPPING_SPANS, message, doc))
    issues += _rationale_issues(record, text, taxonomy)
    return issues


def _rationale_issues(record: LabelRecord, text: str, taxonomy: Taxonomy) -> list[Issue]:
    if record.rationales is None:
        return []
    doc = record.doc_id
    problems = rationale_problems(doc, record.labels, list(record.rationales), taxonomy)
    problems += [
        f"{doc}: label {label_id!r} has no rationale"
        for label_id in empty_rationales(record.rationales)
        if label_id in record.all_ids()
    ]
    problems += [
        f"{doc}: rationale of {label_id!r} at {span.start}:{span.end} is "
        f"{text[span.start : span.end]!r} in the source, not {span.text!r}"
        for label_id, spans in record.rationales.items()
        for span in spans
        if text[span.start : span.end] != span.text
    ]
    return [Issue(IssueKind.RATIONALE, problem, doc) for problem in problems]


def _count(
    report: CheckReport, record: LabelRecord, taxonomy: Taxonomy, requirements: CorpusRequirements
) -> None:
    report.documents += 1
    report.by_split[record.split.value] += 1
    report.by_lang[record.lang] += 1
    report.negatives += requirements.is_negative(record.labels)
    known = set(taxonomy.all_ids())
    for label_id in set(record.all_ids()) & known:
        report.label_counts[label_id][record.split.value] += 1
        report.label_counts_by_lang[label_id][record.lang] += 1
    if record.rationales is not None:
        report.docs_with_rationales[record.split.value] += 1
        report.labels_with_rationales += sum(bool(spans) for spans in record.rationales.values())
        report.rationale_spans += sum(len(spans) for spans in record.rationales.values())
    if record.batch is not None:
        report.docs_with_batch += 1
        report.by_batch[record.batch] += 1
    if record.entities:
        report.docs_with_entities[record.lang] += 1
        for span in record.entities:
            report.entity_counts.setdefault(span.label, Counter())[record.lang] += 1


def _requirement_issues(
    report: CheckReport, taxonomy: Taxonomy, requirements: CorpusRequirements
) -> list[Issue]:
    need = requirements
    total = report.documents
    problems: list[str] = []
    if total < need.min_documents:
        problems.append(f"{total} documents, need at least {need.min_documents}")
    ru_share = report.by_lang["ru"] / total if total else 0.0
    if ru_share < need.min_share_ru:
        problems.append(
            f"{ru_share:.0%} of documents are Russian, need at least {need.min_share_ru:.0%}"
        )
    for group in GROUPS:
        for label_id in taxonomy.group_ids(group):
            count = sum(report.label_counts[label_id].values())
            if count < need.min_docs_per_label:
                problems.append(
                    f"{group} id {label_id} is on {count} documents, "
                    f"need at least {need.min_docs_per_label}"
                )
    with_entities = sum(report.docs_with_entities.values())
    if with_entities < need.min_docs_with_entities:
        problems.append(
            f"{with_entities} documents have entities, need at least {need.min_docs_with_entities}"
        )
    for lang in LANGS:
        if report.docs_with_entities[lang] < need.min_docs_with_entities_per_lang:
            problems.append(
                f"{report.docs_with_entities[lang]} {lang} documents have entities, "
                f"need at least {need.min_docs_with_entities_per_lang}"
            )
    test_share = report.by_split[Split.TEST.value] / total if total else 0.0
    if test_share < need.test_share:
        problems.append(
            f"{test_share:.0%} of documents are in test, need at least {need.test_share:.0%}"
        )
    with_rationales = sum(report.docs_with_rationales.values())
    if need.rationales_required and with_rationales < total:
        problems.append(f"{total - with_rationales} documents have no rationales, all must")
    if need.batch_required and report.docs_with_batch < total:
        problems.append(f"{total - report.docs_with_batch} documents name no batch, all must")
    if report.negatives < need.min_negative_documents:
        problems.append(
            f"{report.negatives} negative documents, need at least {need.min_negative_documents}"
        )
    return [Issue(IssueKind.REQUIREMENT, problem) for problem in problems]
