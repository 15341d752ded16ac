"""What the review app, the API and the command line ask of the store, as plain functions.

Each takes a session factory and returns pydantic records. A document's *labels* are, per
group, the analyst's newest decision where there is one, else the newest prediction's labels;
its *margin* is the smallest distance between a score and its threshold over the groups still
undecided (small margin: the model is unsure, and a decision teaches it the most).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from cluster_nlp.records import Entity, GroupDecision
from cluster_nlp.store.decisions import current_decisions, decision_history
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.store.entities import load_entities
from cluster_nlp.store.models import (
    DecisionRow,
    DocumentRow,
    EntityExtractionRow,
    EntityRow,
    PassageRow,
    PredictionRow,
)
from cluster_nlp.taxonomy import GROUPS

CLUSTER_LABEL = "CLUSTER"
# Confidence bands by margin: below LOW_MARGIN a label sits in the usual review margin.
LOW_MARGIN = 0.1
HIGH_MARGIN = 0.25


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReviewStatus(StrEnum):
    UNREVIEWED = "unreviewed"
    PARTLY = "partly"
    REVIEWED = "reviewed"


SortKey = Literal["title", "path", "created", "margin", "-margin", "pages"]


class DocumentFilters(View):
    """What the documents table is narrowed by; every field optional."""

    formation_type: str | None = None
    functions: str | None = None
    institutional_forms: str | None = None
    region: str | None = None
    lang: str | None = None
    band: Band | None = None
    review: ReviewStatus | None = None
    model_version: str | None = None
    status: str | None = None  # ok, failed, ... (``statuses.DocumentStatus``)
    needs_review: bool | None = None  # True: some undecided label sits in the review margin
    ids: tuple[str, ...] | None = None  # e.g. a full-text search's hits, in their order
    sort: SortKey | None = None
    page: int = Field(1, ge=1)
    per_page: int = Field(25, ge=1, le=200)

    def label(self, group: str) -> str | None:
        return getattr(self, group)


class DocumentSummary(View):
    id: str
    title: str | None
    source_path: str
    lang: str | None
    status: str
    page_count: int
    created_at: datetime
    model_version: str | None
    model_versions: list[str]
    labels: dict[str, list[str]]
    predicted: dict[str, list[str]]
    needs_review: list[str]
    margin: float | None
    band: Band | None
    review: ReviewStatus
    regions: list[str]

    @property
    def name(self) -> str:
        return self.title or self.source_path.rsplit("/", 1)[-1]


class DocumentPage(View):
    items: list[DocumentSummary]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class LabelView(View):
    """One label of a group on the document page."""

    id: str
    probability: float | None
    threshold: float | None
    predicted: bool
    needs_review: bool
    decided: bool | None  # True/False: the analyst's newest decision keeps/drops it
    evidence: list[EvidenceView]


class EvidenceView(View):
    passage_id: int | None
    page: int
    start: int
    end: int
    score: float
    text: str
    bbox: dict | None


class GroupView(View):
    name: str
    labels: list[LabelView]
    decision: GroupDecision | None


class Segment(View):
    """A run of passage text, inside an entity (``entity`` is its type) or not."""

    text: str
    entity: str | None = None


class PassageView(View):
    id: int
    page: int
    start: int
    end: int
    bbox: dict | None
    segments: list[Segment]


class PageView(View):
    number: int
    width: float
    height: float
    passages: list[PassageView]


class DocumentDetail(View):
    summary: DocumentSummary
    pages: list[PageView]
    groups: list[GroupView]
    entities: list[Entity]
    decisions: list[GroupDecision]
    terms: dict[str, list[str]]
    error: str | None


class RegionRow(View):
    code: str
    documents: int
    clusters: list[str]
    formation_types: dict[str, int]


def _stamp(sessions: SessionFactory) -> tuple:
    """Changes whenever anything the overview reads changes (rows are only ever added)."""
    with sessions() as session:
        return tuple(
            session.execute(
                select(
                    select(func.count(DocumentRow.id)).scalar_subquery(),
                    select(func.max(PredictionRow.id)).scalar_subquery(),
                    select(func.max(DecisionRow.id)).scalar_subquery(),
                    select(func.max(EntityExtractionRow.id)).scalar_subquery(),
                )
            ).one()
        )


def _margin(groups: dict, thresholds: dict, open_groups: list[str]) -> float | None:
    distances = [
        abs(score - thresholds[label])
        for group in open_groups
        for label, score in groups.get(group, {}).get("scores", {}).items()
        if label in thresholds
    ]
    return min(distances) if distances else None


def _band(margin: float | None) -> Band | None:
    if margin is None:
        return None
    if margin < LOW_MARGIN:
        return Band.LOW
    return Band.MEDIUM if margin < HIGH_MARGIN else Band.HIGH


def _latest_entity_rows(session) -> dict[str, list[tuple[str, str, dict | None]]]:
    """Each document's (label, text, normalized) from its newest entity extraction."""
    latest: dict[str, str] = {}
    for document_id, version in session.execute(
        select(EntityExtractionRow.document_id, EntityExtractionRow.extractor_version).order_by(
            EntityExtractionRow.created_at, EntityExtractionRow.id
        )
    ):
        latest[document_id] = version
    found: dict[str, list] = defaultdict(list)
    for document_id, version, label, text, normalized in session.execute(
        select(
            EntityRow.document_id,
            EntityRow.extractor_version,
            EntityRow.label,
            EntityRow.text,
            EntityRow.normalized,
        )
    ):
        if latest.get(document_id) == version:
            found[document_id].append((label, text, normalized))
    return found


def _region_of(normalized: dict | None) -> str | None:
    value = (normalized or {}).get("region_code")
    return value if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def cluster_region(name: str) -> str | None:
    """The federal subject a named cluster carries in its name ("Московский ... кластер")."""
    from cluster_nlp.nlp.normalize import normalize_location  # the gazetteer loads on first use

    location = normalize_location(name)
    return location.region_code if location else None


def _build_overview(
    sessions: SessionFactory,
) -> tuple[list[DocumentSummary], dict[str, list[str]], dict[str, DocumentSummary]]:
    with sessions() as session:
        documents = session.execute(
            select(
                DocumentRow.id,
                DocumentRow.title,
                DocumentRow.source_path,
                DocumentRow.lang,
                DocumentRow.status,
                DocumentRow.page_count,
                DocumentRow.created_at,
            )
        ).all()
        predictions: dict[str, list] = defaultdict(list)
        for row in session.execute(
            select(
                PredictionRow.document_id,
                PredictionRow.model_version,
                PredictionRow.groups,
                PredictionRow.thresholds,
            ).order_by(PredictionRow.created_at, PredictionRow.id)
        ):
            predictions[row.document_id].append(row)
        entities = _latest_entity_rows(session)
    decided = current_decisions(sessions)
    clusters: dict[str, set[str]] = defaultdict(set)  # region -> cluster names
    summaries = []
    for document in documents:
        stored = predictions.get(document.id, [])
        newest = stored[-1] if stored else None
        groups = newest.groups if newest else {}
        predicted = {group: list(groups.get(group, {}).get("labels", [])) for group in GROUPS}
        decisions = {group: decided.get((document.id, group)) for group in GROUPS}
        labels = {
            group: decisions[group].labels if decisions[group] else predicted[group]
            for group in GROUPS
        }
        open_groups = [group for group in GROUPS if decisions[group] is None]
        margin = _margin(groups, newest.thresholds, open_groups) if newest else None
        regions = set()
        for label, text, normalized in entities.get(document.id, []):
            region = _region_of(normalized)
            if label == CLUSTER_LABEL:
                region = region or cluster_region(text)
                if region:
                    clusters[region].add(text)
            if region:
                regions.add(region)
        done = sum(decision is not None for decision in decisions.values())
        summaries.append(
            DocumentSummary(
                id=document.id,
                title=document.title,
                source_path=document.source_path,
                lang=document.lang,
                status=document.status,
                page_count=document.page_count,
                created_at=document.created_at,
                model_version=newest.model_version if newest else None,
                model_versions=sorted({row.model_version for row in stored}),
                labels=labels,
                predicted=predicted,
                needs_review=sorted(
                    label
                    for group in open_groups
                    for label in groups.get(group, {}).get("needs_review", [])
                ),
                margin=margin,
                band=_band(margin),
                review=ReviewStatus.UNREVIEWED
                if done == 0
                else (ReviewStatus.REVIEWED if done == len(GROUPS) else ReviewStatus.PARTLY),
                regions=sorted(regions),
            )
        )
    by_id = {summary.id: summary for summary in summaries}
    return summaries, {region: sorted(names) for region, names in clusters.items()}, by_id


@lru_cache(maxsize=8)
def _cached_overview(sessions: SessionFactory, stamp: tuple):
    return _build_overview(sessions)


def overview(sessions: SessionFactory) -> list[DocumentSummary]:
    """Every document's summary (rebuilt only when the store has changed)."""
    return _cached_overview(sessions, _stamp(sessions))[0]


def _matches(summary: DocumentSummary, filters: DocumentFilters) -> bool:
    for group in GROUPS:
        wanted = filters.label(group)
        if wanted and wanted not in summary.labels[group]:
            return False
    return (
        (not filters.region or filters.region in summary.regions)
        and (not filters.lang or summary.lang == filters.lang)
        and (filters.band is None or summary.band == filters.band)
        and (filters.review is None or summary.review == filters.review)
        and (not filters.model_version or filters.model_version in summary.model_versions)
        and (not filters.status or summary.status == filters.status)
        and (filters.needs_review is None or bool(summary.needs_review) == filters.needs_review)
    )


SORTS = {
    "title": (lambda s: s.name.casefold(), False),
    "path": (lambda s: s.source_path, False),
    "created": (lambda s: s.created_at, True),
    "margin": (lambda s: (s.margin is None, s.margin or 0.0), False),
    "-margin": (lambda s: (s.margin is not None, s.margin or 0.0), True),
    "pages": (lambda s: s.page_count, True),
}


def list_documents(sessions: SessionFactory, filters: DocumentFilters) -> DocumentPage:
    """One page of the documents that pass ``filters``, sorted (search hits keep their rank)."""
    items = [summary for summary in overview(sessions) if _matches(summary, filters)]
    if filters.ids is not None:
        rank = {document_id: position for position, document_id in enumerate(filters.ids)}
        items = sorted(
            (summary for summary in items if summary.id in rank), key=lambda s: rank[s.id]
        )
    if filters.sort:
        key, reverse = SORTS[filters.sort]
        items = sorted(items, key=key, reverse=reverse)
    elif filters.ids is None:
        items = sorted(items, key=lambda s: (s.source_path, s.id))
    start = (filters.page - 1) * filters.per_page
    return DocumentPage(
        items=items[start : start + filters.per_page],
        total=len(items),
        page=filters.page,
        per_page=filters.per_page,
    )


def review_queue(sessions: SessionFactory, limit: int = 50) -> list[DocumentSummary]:
    """Documents with undecided groups, the model's least certain first."""
    waiting = [
        summary
        for summary in overview(sessions)
        if summary.margin is not None and summary.review != ReviewStatus.REVIEWED
    ]
    waiting.sort(key=lambda s: (not s.needs_review, s.margin, s.id))
    return waiting[:limit]


def facet_values(sessions: SessionFactory) -> dict[str, list[str]]:
    """The values the documents table can be filtered by, as found in the store."""
    summaries = overview(sessions)
    return {
        "lang": sorted({s.lang for s in summaries if s.lang}),
        "region": sorted({region for s in summaries for region in s.regions}),
        "model_version": sorted({v for s in summaries for v in s.model_versions}),
    }


def region_counts(sessions: SessionFactory) -> list[RegionRow]:
    """Documents per federal subject (and per formation type), with the clusters named there."""
    summaries, clusters, _ = _cached_overview(sessions, _stamp(sessions))
    documents: Counter[str] = Counter()
    formation: dict[str, Counter[str]] = defaultdict(Counter)
    for summary in summaries:
        for region in summary.regions:
            if not region.startswith("RU-"):
                continue
            documents[region] += 1
            for label in summary.labels["formation_type"]:
                formation[region][label] += 1
    codes = sorted(set(documents) | set(clusters), key=lambda code: (-documents[code], code))
    return [
        RegionRow(
            code=code,
            documents=documents[code],
            clusters=clusters.get(code, []),
            formation_types=dict(sorted(formation[code].items())),
        )
        for code in codes
    ]


def _segments(text: str, start: int, entities: list[Entity]) -> list[Segment]:
    """Split a passage's text at the entities inside it (overlaps: the earlier one wins)."""
    end = start + len(text)
    segments, cursor = [], start
    for entity in entities:
        if entity.start < cursor or entity.end > end:
            continue
        if entity.start > cursor:
            segments.append(Segment(text=text[cursor - start : entity.start - start]))
        segments.append(
            Segment(text=text[entity.start - start : entity.end - start], entity=entity.label)
        )
        cursor = entity.end
    if cursor < end:
        segments.append(Segment(text=text[cursor - start :]))
    return segments


def _passage_at(passages: list[PassageRow], start: int) -> int | None:
    for passage in passages:
        if passage.start <= start < passage.end:
            return passage.id
    return None


def show_document(
    sessions: SessionFactory, document_id: str, model_version: str | None = None
) -> DocumentDetail | None:
    """A document with its text page by page, entities, labels, evidence and decisions."""
    summary = _cached_overview(sessions, _stamp(sessions))[2].get(document_id)
    if summary is None:
        return None
    with sessions() as session:
        document = session.get(DocumentRow, document_id)
        query = select(PredictionRow).where(PredictionRow.document_id == document_id)
        if model_version:
            query = query.where(PredictionRow.model_version == model_version)
        prediction = session.scalar(
            query.order_by(PredictionRow.created_at.desc(), PredictionRow.id.desc()).limit(1)
        )
        passages = list(document.passages)
        pages = list(document.pages)
        session.expunge_all()
    entities = load_entities(sessions, document_id)
    decided = current_decisions(sessions, [document_id])
    groups = []
    for group in GROUPS:
        outcome = prediction.groups.get(group, {}) if prediction else {}
        decision = decided.get((document_id, group))
        scores = outcome.get("scores", {})
        shown = sorted(
            set(outcome.get("labels", []))
            | set(outcome.get("needs_review", []))
            | set(decision.labels if decision else []),
            key=lambda label: -scores.get(label, 0.0),
        )
        labels = [
            LabelView(
                id=label,
                probability=scores.get(label),
                threshold=prediction.thresholds.get(label) if prediction else None,
                predicted=label in outcome.get("labels", []),
                needs_review=label in outcome.get("needs_review", []),
                decided=(label in decision.labels) if decision else None,
                evidence=[
                    EvidenceView(
                        passage_id=_passage_at(passages, item["start"]),
                        page=item["page"],
                        start=item["start"],
                        end=item["end"],
                        score=item["score"],
                        text=item["text"],
                        bbox=item.get("bbox"),
                    )
                    for item in (prediction.evidence.get(label, []) if prediction else [])
                ],
            )
            for label in shown
        ]
        groups.append(GroupView(name=group, labels=labels, decision=decision))
    by_page: dict[int, list[PassageView]] = defaultdict(list)
    for passage in passages:
        inside = sorted(  # at the same start the longer mention wins
            (e for e in entities if passage.start <= e.start and e.end <= passage.end),
            key=lambda e: (e.start, -e.end),
        )
        by_page[passage.page].append(
            PassageView(
                id=passage.id,
                page=passage.page,
                start=passage.start,
                end=passage.end,
                bbox=passage.bbox,
                segments=_segments(passage.text, passage.start, inside),
            )
        )
    page_views = [
        PageView(
            number=page.number,
            width=page.width,
            height=page.height,
            passages=by_page.get(page.number, []),
        )
        for page in pages
    ]
    if not page_views and by_page:  # plain-text documents store passages without pages
        page_views = [
            PageView(number=number, width=0, height=0, passages=items)
            for number, items in sorted(by_page.items())
        ]
    return DocumentDetail(
        summary=summary,
        pages=page_views,
        groups=groups,
        entities=entities,
        decisions=decision_history(sessions, document_id),
        terms=prediction.terms if prediction else {},
        error=document.error,
    )


def passage_box(sessions: SessionFactory, passage_id: int) -> PassageRow | None:
    with sessions() as session:
        passage = session.get(PassageRow, passage_id)
        if passage is not None:
            session.expunge(passage)
        return passage


LabelView.model_rebuild()
