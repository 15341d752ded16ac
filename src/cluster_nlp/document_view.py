"""One stored document as an analyst reads it: named labels, scores beside thresholds,
evidence with pages, entities under canonical names with regions, and decisions.

``show`` prints this as a rich layout and, with ``--json``, as it is; both come from here, so
the screen and the JSON never disagree. A label the review margin flags is *uncertain* when
the model assigned it and *close* when it did not (the same words as the exports).
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from cluster_nlp.export import NameLanguage, label_name, readable_value, region_name
from cluster_nlp.nlp.canonical import canonical_names
from cluster_nlp.store.queries import DocumentDetail, DocumentSummary
from cluster_nlp.taxonomy import Taxonomy

EVIDENCE_PER_LABEL = 3
UNCERTAIN, CLOSE = "uncertain", "close"


class EvidenceItem(BaseModel):
    page: int
    score: float
    text: str


class LabelLine(BaseModel):
    id: str
    name: str
    score: float | None
    threshold: float | None
    assigned: bool
    review: str | None  # "uncertain" (assigned) or "close" (not assigned), else None
    decided: bool | None  # the analyst's newest decision keeps (True) or drops (False) it
    evidence: list[EvidenceItem]


class GroupLines(BaseModel):
    name: str
    decided_by: str | None
    labels: list[LabelLine]


class EntityLine(BaseModel):
    label: str
    name: str  # canonical: nominative, acronyms resolved to their full names
    mentions: int
    pages: list[int]
    value: str | None
    region: str | None
    region_name: str | None


class DecisionLine(BaseModel):
    group: str
    labels: list[str]
    analyst: str
    created_at: str
    note: str | None


class DocumentView(BaseModel):
    id: str
    path: str
    title: str | None
    lang: str | None
    status: str
    pages: int
    error: str | None
    model_version: str | None
    review: str
    regions: list[dict[str, str | None]]
    groups: list[GroupLines]
    entities: list[EntityLine]
    decisions: list[DecisionLine]


def _text_of(detail: DocumentDetail) -> str:
    return "\n\n".join(
        "".join(segment.text for segment in passage.segments)
        for page in detail.pages
        for passage in page.passages
    )


def _entities(detail: DocumentDetail, names: NameLanguage) -> list[EntityLine]:
    found = detail.entities
    canonical = canonical_names(_text_of(detail), [(e.label, e.text) for e in found])
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for entity, name in zip(found, canonical, strict=True):
        grouped[(entity.label, name)].append(entity)
    lines = []
    for (label, name), mentions in grouped.items():
        code = next(
            (
                e.normalized["region_code"]
                for e in mentions
                if e.normalized and isinstance(e.normalized.get("region_code"), str)
            ),
            None,
        )
        lines.append(
            EntityLine(
                label=label,
                name=name,
                mentions=len(mentions),
                pages=sorted({e.page for e in mentions if e.page}),
                value=next(
                    (v for e in mentions if (v := readable_value(label, e.normalized))), None
                ),
                region=code,
                region_name=region_name(code, names) if code else None,
            )
        )
    return sorted(lines, key=lambda line: (-line.mentions, line.label, line.name))


def _review_mark(assigned: bool, flagged: bool) -> str | None:
    if not flagged:
        return None
    return UNCERTAIN if assigned else CLOSE


def document_view(
    detail: DocumentDetail, taxonomy: Taxonomy, names: NameLanguage = NameLanguage.RU
) -> DocumentView:
    summary: DocumentSummary = detail.summary
    groups = [
        GroupLines(
            name=group.name,
            decided_by=group.decision.analyst if group.decision else None,
            labels=[
                LabelLine(
                    id=label.id,
                    name=label_name(taxonomy, label.id, names),
                    score=None if label.probability is None else round(label.probability, 3),
                    threshold=None if label.threshold is None else round(label.threshold, 3),
                    assigned=label.predicted,
                    review=_review_mark(label.predicted, label.needs_review),
                    decided=label.decided,
                    evidence=[
                        EvidenceItem(page=item.page, score=round(item.score, 3), text=item.text)
                        for item in sorted(label.evidence, key=lambda item: -item.score)[
                            :EVIDENCE_PER_LABEL
                        ]
                    ],
                )
                for label in group.labels
            ],
        )
        for group in detail.groups
    ]
    return DocumentView(
        id=summary.id,
        path=summary.source_path,
        title=summary.title,
        lang=summary.lang,
        status=summary.status,
        pages=summary.page_count,
        error=detail.error,
        model_version=summary.model_version,
        review=summary.review.value,
        regions=[{"code": code, "name": region_name(code, names)} for code in summary.regions],
        groups=groups,
        entities=_entities(detail, names),
        decisions=[
            DecisionLine(
                group=decision.group,
                labels=[label_name(taxonomy, label, names) for label in decision.labels],
                analyst=decision.analyst,
                created_at=decision.created_at.isoformat(timespec="seconds"),
                note=decision.note,
            )
            for decision in detail.decisions
        ],
    )
