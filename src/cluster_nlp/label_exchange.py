"""Reviewed labels in and out: the corpus format, Label Studio JSON, Prodigy JSONL, spaCy DocBin.

Export writes every document an analyst decided on: per group the newest decision, or the
model's labels for a group nobody decided, with the document's text and newest entities.
Import reads Label Studio tasks and Prodigy records back as decisions. A record finds its
stored document by id, else by source path (in the record's ``meta`` or task ``data``); a
record that matches none is stored as a new plain-text document, so labels made elsewhere
can be brought in. Bad records get a one-line reason and are skipped; the others go on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from cluster_nlp.corpus.schema import EntitySpan, Genre, LabelRecord, LabelSet, Split
from cluster_nlp.label_formats import ExchangeFormat
from cluster_nlp.records import Entity
from cluster_nlp.store.decisions import latest_decisions, save_group_decision
from cluster_nlp.store.documents import SessionFactory, load_document, save_document
from cluster_nlp.store.entities import load_entities
from cluster_nlp.store.models import DocumentPathRow, DocumentRow
from cluster_nlp.store.predictions import newest_prediction
from cluster_nlp.taxonomy import GROUPS, Taxonomy, UnknownLabelError

ENTITIES_FIELD = "entities"  # Label Studio's name for the entity labelling control
TEXT_FIELD = "text"
DOCUMENT_ID_LENGTH = 64


class ReviewedDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    path: str
    title: str | None
    lang: str | None
    text: str
    labels: LabelSet
    reviewed_groups: list[str]
    analyst: str
    note: str | None
    entities: list[Entity]


class ImportedLabels(BaseModel):
    """One record of a foreign file: its text, where it came from, and its decided groups."""

    model_config = ConfigDict(frozen=True)

    text: str
    document_id: str | None = None
    source_path: str | None = None
    groups: dict[str, list[str]]
    analyst: str | None = None
    where: str  # "file.json: task 3", for messages


@dataclass
class ImportReport:
    by_id: int = 0
    by_path: int = 0
    created: int = 0
    decisions: int = 0
    errors: list[str] = field(default_factory=list)


class ExchangeError(ValueError):
    """A file that cannot be read at all (one line for the user)."""


# --- export ------------------------------------------------------------------------------------


def reviewed_documents(sessions: SessionFactory) -> list[ReviewedDocument]:
    """Every document with a decision, its labels as they hold now, sorted by id."""
    documents = []
    for decision in sorted(latest_decisions(sessions), key=lambda decision: decision.document_id):
        reviewed = [group for group in GROUPS if getattr(decision, group) is not None]
        predicted = newest_prediction(sessions, decision.document_id)
        stored = load_document(sessions, decision.document_id)
        labels = {
            group: getattr(decision, group)
            if group in reviewed
            else (predicted.labels(group) if predicted and group in predicted.groups else [])
            for group in GROUPS
        }
        documents.append(
            ReviewedDocument(
                id=stored.sha256,
                path=stored.path,
                title=stored.title,
                lang=stored.lang,
                text=stored.text,
                labels=LabelSet(**labels),
                reviewed_groups=reviewed,
                analyst=decision.analyst,
                note=decision.note,
                entities=load_entities(sessions, decision.document_id),
            )
        )
    return documents


def corpus_doc_id(document_id: str) -> str:
    return f"reviewed-{document_id[:16]}"


def write_corpus(documents: list[ReviewedDocument], folder: Path) -> list[str]:
    """``labels.jsonl`` and ``src/<doc_id>.md`` as in ``corpus/``; returns what was skipped.

    A source is the document's title as its ``# Title`` line, then the text, so entity spans
    (offsets into the source) are the stored offsets moved by the title line. The corpus knows
    Russian and English only; documents in other languages are skipped.
    """
    skipped, records = [], []
    (folder / "src").mkdir(parents=True, exist_ok=True)
    for document in documents:
        if document.lang not in ("ru", "en"):
            skipped.append(f"{document.id[:12]}: language {document.lang!r} is not ru or en")
            continue
        doc_id = corpus_doc_id(document.id)
        source = f"src/{doc_id}.md"
        title = " ".join((document.title or Path(document.path).name).split()) or doc_id
        header = f"# {title}\n\n"
        (folder / source).write_text(header + document.text + "\n", encoding="utf-8")
        records.append(
            LabelRecord(
                **document.labels.model_dump(),
                doc_id=doc_id,
                path=f"pdf/{doc_id}.pdf",
                source=source,
                lang=document.lang,
                genre=Genre.REVIEWED,
                split=Split.TRAIN,
                entities=[
                    EntitySpan(
                        start=len(header) + e.start,
                        end=len(header) + e.end,
                        label=e.label,
                        text=e.text,
                    )
                    for e in document.entities
                ],
            )
        )
    lines = [json.dumps(record.model_dump(mode="json"), ensure_ascii=False) for record in records]
    (folder / "labels.jsonl").write_text("".join(line + "\n" for line in lines), "utf-8")
    return skipped


def _meta(document: ReviewedDocument) -> dict:
    return {"document_id": document.id, "source_path": document.path, "title": document.title}


def label_studio_tasks(documents: list[ReviewedDocument]) -> list[dict]:
    """Label Studio tasks: the text in ``data``, one completed annotation with a ``choices``
    result per reviewed group (``from_name`` is the group) and a ``labels`` result per entity."""
    tasks = []
    for number, document in enumerate(documents, start=1):
        results = [
            {
                "from_name": group,
                "to_name": TEXT_FIELD,
                "type": "choices",
                "value": {"choices": document.labels.ids(group)},
            }
            for group in document.reviewed_groups
        ]
        results += [
            {
                "from_name": ENTITIES_FIELD,
                "to_name": TEXT_FIELD,
                "type": "labels",
                "value": {
                    "start": entity.start,
                    "end": entity.end,
                    "text": entity.text,
                    "labels": [entity.label],
                },
            }
            for entity in document.entities
        ]
        tasks.append(
            {
                "id": number,
                "data": {TEXT_FIELD: document.text, **_meta(document)},
                "meta": _meta(document),
                "annotations": [{"result": results, "completed_by": document.analyst}],
            }
        )
    return tasks


def prodigy_records(documents: list[ReviewedDocument], taxonomy: Taxonomy) -> list[dict]:
    """Prodigy choice records: every label of the reviewed groups as an option, the document's
    labels in ``accept``, entities as ``spans``."""
    return [
        {
            "text": document.text,
            "meta": {**_meta(document), "groups": document.reviewed_groups},
            "options": [
                {"id": label, "text": taxonomy.label(label).en}
                for group in document.reviewed_groups
                for label in taxonomy.group_ids(group)
            ],
            "accept": [
                label for group in document.reviewed_groups for label in document.labels.ids(group)
            ],
            "spans": [
                {"start": e.start, "end": e.end, "label": e.label, "text": e.text}
                for e in document.entities
            ],
            "answer": "accept",
        }
        for document in documents
    ]


def write_docbin(documents: list[ReviewedDocument], taxonomy: Taxonomy, path: Path) -> list[str]:
    """A spaCy DocBin: entities as ``doc.ents``, every label of the taxonomy in ``doc.cats``
    (1.0 when the document has it); returns the entities that fit no token boundary."""
    import spacy
    from spacy.tokens import DocBin

    skipped = []
    bin_ = DocBin(store_user_data=True)
    blanks: dict[str, spacy.language.Language] = {}
    for document in documents:
        lang = document.lang if document.lang in ("ru", "en") else "xx"
        nlp = blanks.setdefault(lang, spacy.blank(lang))
        doc = nlp.make_doc(document.text)
        spans = []
        for entity in document.entities:
            span = doc.char_span(
                entity.start, entity.end, label=entity.label, alignment_mode="expand"
            )
            if span is None or any(
                span.start < kept.end and kept.start < span.end for kept in spans
            ):
                skipped.append(f"{document.id[:12]}: entity {entity.text!r} at {entity.start}")
                continue
            spans.append(span)
        doc.ents = spans
        chosen = set(document.labels.all_ids())
        doc.cats = {label: float(label in chosen) for label in taxonomy.all_ids()}
        doc.user_data.update(_meta(document))
        bin_.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    bin_.to_disk(path)
    return skipped


def write_json(rows: list[dict], path: Path, lines: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if lines:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    else:
        text = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


def export_labels(
    sessions: SessionFactory, taxonomy: Taxonomy, fmt: ExchangeFormat, out: Path
) -> tuple[int, list[str]]:
    """Write the reviewed documents to ``out`` (a folder for the corpus format, else a file);
    returns how many were written and what was skipped."""
    documents = reviewed_documents(sessions)
    if fmt is ExchangeFormat.CORPUS:
        skipped = write_corpus(documents, out)
        return len(documents) - len(skipped), skipped
    if fmt is ExchangeFormat.LABEL_STUDIO:
        write_json(label_studio_tasks(documents), out, lines=False)
    elif fmt is ExchangeFormat.PRODIGY:
        write_json(prodigy_records(documents, taxonomy), out, lines=True)
    else:
        return len(documents), write_docbin(documents, taxonomy, out)
    return len(documents), []


# --- import ------------------------------------------------------------------------------------


def _first(*values) -> str | None:
    return next((value for value in values if isinstance(value, str) and value.strip()), None)


def _label_studio_record(task: dict, where: str, taxonomy: Taxonomy) -> ImportedLabels:
    data = task.get("data") or {}
    meta = task.get("meta") or {}
    text = data.get(TEXT_FIELD)
    if not isinstance(text, str):
        raise ValueError("the task has no data.text")
    annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not annotations:
        raise ValueError("the task has no completed annotation")
    groups: dict[str, list[str]] = {}
    for result in annotations[-1].get("result") or []:
        if result.get("type") != "choices":
            continue
        choices = list((result.get("value") or {}).get("choices") or [])
        group = result.get("from_name")
        if group not in GROUPS:  # a project of its own: place each choice by the taxonomy
            for choice in choices:
                groups.setdefault(taxonomy.group_of(choice), []).append(choice)
            continue
        groups.setdefault(group, []).extend(choices)
    completed_by = annotations[-1].get("completed_by")
    return ImportedLabels(
        text=text,
        document_id=_first(meta.get("document_id"), data.get("document_id")),
        source_path=_first(meta.get("source_path"), data.get("source_path"), data.get("path")),
        groups=groups,
        analyst=completed_by if isinstance(completed_by, str) else None,
        where=where,
    )


def _prodigy_record(record: dict, where: str, taxonomy: Taxonomy) -> ImportedLabels | None:
    if record.get("answer", "accept") != "accept":
        return None  # rejected or ignored in Prodigy: no labels were given
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("the record has no text")
    meta = record.get("meta") or {}
    decided = {taxonomy.group_of(option["id"]) for option in record.get("options") or []}
    decided |= set(meta.get("groups") or []) & set(GROUPS)
    groups: dict[str, list[str]] = {group: [] for group in decided}
    for label in record.get("accept") or []:
        groups.setdefault(taxonomy.group_of(label), []).append(label)
    return ImportedLabels(
        text=text,
        document_id=_first(meta.get("document_id")),
        source_path=_first(meta.get("source_path"), meta.get("path"), meta.get("source")),
        groups=groups,
        where=where,
    )


def read_labels(path: Path, fmt: ExchangeFormat, taxonomy: Taxonomy) -> tuple[list, list[str]]:
    """The records of a Label Studio JSON or Prodigy JSONL file, and one line per bad record."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExchangeError(f"cannot read {path}: {error}") from error
    try:
        if fmt is ExchangeFormat.LABEL_STUDIO:
            items = json.loads(raw)
            items = items if isinstance(items, list) else [items]
            read = _label_studio_record
            names = [f"{path.name}: task {item.get('id', n)}" for n, item in enumerate(items, 1)]
        elif fmt is ExchangeFormat.PRODIGY:
            numbered = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()]
            items = [json.loads(line) for _, line in numbered]
            read = _prodigy_record
            names = [f"{path.name}:{n}" for n, _ in numbered]
        else:
            raise ExchangeError(f"import reads label-studio or prodigy, not {fmt.value}")
    except json.JSONDecodeError as error:
        raise ExchangeError(f"{path.name}: not JSON ({error.msg}, line {error.lineno})") from error
    records, errors = [], []
    for item, where in zip(items, names, strict=True):
        try:
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
            record = read(item, where, taxonomy)
        except (ValueError, KeyError, TypeError, UnknownLabelError) as error:
            errors.append(f"{where}: {error}")
            continue
        if record is not None:
            records.append(record)
    return records, errors


def _match(sessions: SessionFactory, record: ImportedLabels) -> tuple[str | None, str]:
    with sessions() as session:
        if record.document_id and len(record.document_id) == DOCUMENT_ID_LENGTH:
            if session.get(DocumentRow, record.document_id) is not None:
                return record.document_id, "id"
        if record.source_path:
            found = session.scalar(
                select(DocumentPathRow.document_id)
                .where(DocumentPathRow.path == record.source_path)
                .order_by(DocumentPathRow.seen_at.desc())
                .limit(1)
            ) or session.scalar(
                select(DocumentRow.id).where(DocumentRow.source_path == record.source_path)
            )
            if found is not None:
                return found, "path"
    return None, "new"


def _store_text(sessions: SessionFactory, record: ImportedLabels) -> str:
    from cluster_nlp.ingest.document import assemble
    from cluster_nlp.ingest.text_files import read_text

    data = record.text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    name = record.source_path or f"imported/{digest[:16]}.txt"
    document = assemble(name, digest, [read_text(data, markdown=False)])
    save_document(sessions, document, size_bytes=len(data))
    return digest


def import_labels(
    sessions: SessionFactory,
    taxonomy: Taxonomy,
    records: list[ImportedLabels],
    analyst: str,
) -> ImportReport:
    """Store each record's groups as decisions on its document (found, or stored anew)."""
    report = ImportReport()
    for record in records:
        try:
            for group, labels in record.groups.items():
                taxonomy.require_ids(group, labels)
        except UnknownLabelError as error:
            report.errors.append(f"{record.where}: {error}")
            continue
        if not record.groups:
            report.errors.append(f"{record.where}: no label group decided")
            continue
        document_id, how = _match(sessions, record)
        if document_id is None:
            if not record.text.strip():
                report.errors.append(f"{record.where}: empty text and no stored document")
                continue
            document_id = _store_text(sessions, record)
            report.created += 1
        elif how == "id":
            report.by_id += 1
        else:
            report.by_path += 1
        for group, labels in record.groups.items():
            save_group_decision(
                sessions, document_id, group, labels, record.analyst or analyst, "imported"
            )
            report.decisions += 1
    return report
