"""Tag stored documents with one model version; documents it has tagged are skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cluster_nlp.classify.embeddings import default_embedder, engine_version
from cluster_nlp.classify.encoders import stored_vectors
from cluster_nlp.classify.model import GroupClassifier
from cluster_nlp.classify.predict import DEFAULT_MARGIN, Predictor, predict_document
from cluster_nlp.records import Prediction
from cluster_nlp.store.documents import SessionFactory, load_document
from cluster_nlp.store.predictions import documents_to_tag, save_prediction
from cluster_nlp.store.vectors import StoredVectors


@dataclass
class TagSummary:
    model_version: str
    tagged: list[str] = field(default_factory=list)
    skipped: int = 0
    needs_review: int = 0


def use_stored_vectors(predictor: Predictor, sessions: SessionFactory) -> None:
    """Let the predictor's models read passage vectors from the store (and store new ones),
    so a passage embedded by any earlier tagging or model version is never embedded again."""
    for guarded in predictor.classifiers.values():
        model = guarded.model
        if not isinstance(model, GroupClassifier) or isinstance(model.embedder, StoredVectors):
            continue
        inner = model.embedder
        encoder = getattr(inner, "version", None) or engine_version()
        model.embedder = StoredVectors(
            sessions, (lambda inner=inner: inner or default_embedder()), encoder
        )


def tag_documents(
    sessions: SessionFactory,
    predictor: Predictor,
    extractor_version: str,
    document_ids: Iterable[str] | None = None,
    margin: float = DEFAULT_MARGIN,
    on_total: Callable[[int], None] | None = None,
    on_document: Callable[[Prediction], None] | None = None,
) -> TagSummary:
    """Predict and store tags for ``document_ids`` (default: every untagged readable document)."""
    pending = set(documents_to_tag(sessions, predictor.version))
    wanted = list(pending if document_ids is None else [d for d in document_ids if d in pending])
    summary = TagSummary(model_version=predictor.version)
    use_stored_vectors(predictor, sessions)
    if document_ids is not None:
        summary.skipped = len(set(document_ids)) - len(wanted)
    if on_total:
        on_total(len(wanted))
    with stored_vectors(sessions):  # models that name their encoder read the store too
        for document_id in sorted(wanted):
            document = load_document(sessions, document_id)
            prediction = predict_document(document, predictor, extractor_version, margin)
            if save_prediction(sessions, prediction):
                summary.tagged.append(document_id)
                if any(group.needs_review for group in prediction.groups.values()):
                    summary.needs_review += 1
            else:
                summary.skipped += 1
            if on_document:
                on_document(prediction)
    return summary
