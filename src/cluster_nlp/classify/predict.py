"""Tag a document: relevance, document-level scores, passage-level evidence, borderline labels.

Only the document's prose passages are read (``content``): headings, stray punctuation,
footnote URLs and reference lists are neither scored nor shown. The document gets a relevance
decision first; an off-topic one gets no labels (``guarded``). Every prose passage is scored by
the same group models as the whole document; the document's labels are those whose score
passes the tuned threshold (or that the cue floor assigns), and each comes with the passages
that score highest for it (page, offsets, box) and the terms that weigh most; a label the cue
floor assigned shows the passages with its cue phrases first. A score within ``margin`` of its
threshold, on either side, marks the label "needs review".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cluster_nlp.classify.content import content_indices
from cluster_nlp.classify.features import cue_counts
from cluster_nlp.classify.guarded import GuardedClassifier
from cluster_nlp.classify.model import GroupClassifier
from cluster_nlp.classify.settings import ClassifySettings, load_classify_settings
from cluster_nlp.classify.train import KEYWORD_MODEL, guarded_classifiers, keyword_classifiers
from cluster_nlp.records import (
    Evidence,
    ExtractedDocument,
    GroupPrediction,
    Prediction,
    Relevance,
)
from cluster_nlp.registry import LoadedModel
from cluster_nlp.taxonomy import GROUPS, Taxonomy

DEFAULT_MARGIN = 0.1
EVIDENCE_PER_LABEL = 3


@dataclass(frozen=True)
class Predictor:
    """What tagging needs of a model, whether a trained version or the keyword baseline."""

    version: str
    model_hash: str
    taxonomy_version: str
    classifiers: dict[str, GuardedClassifier]

    @property
    def thresholds(self) -> dict[str, float]:
        return {
            label: float(threshold)
            for model in self.classifiers.values()
            for label, threshold in zip(model.classes_, model.thresholds_, strict=True)
        }


def trained_predictor(
    model: LoadedModel, taxonomy: Taxonomy, settings: ClassifySettings | None = None
) -> Predictor:
    settings = settings or load_classify_settings()
    return Predictor(
        model.version,
        model.model_hash,
        model.metadata["taxonomy_version"],
        guarded_classifiers(model.classifiers, taxonomy, settings, floor=True),
    )


def keyword_predictor(taxonomy: Taxonomy, settings: ClassifySettings | None = None) -> Predictor:
    settings = settings or load_classify_settings()
    return Predictor(
        KEYWORD_MODEL,
        f"{KEYWORD_MODEL}-{taxonomy.version[:16]}",
        taxonomy.version,
        guarded_classifiers(keyword_classifiers(taxonomy), taxonomy, settings, floor=False),
    )


def _ranked_passages(
    model: GuardedClassifier, column: int, scores: np.ndarray, texts: list[str], floored: bool
) -> np.ndarray:
    """Passage indices, best evidence first: by score, or, for a label the cue floor assigned,
    the passages holding its cue phrases first."""
    if not floored:
        return np.argsort(-scores[:, column], kind="stable")
    hits = cue_counts(texts, [model.cues[column]])[:, 0]
    return np.lexsort((-scores[:, column], -hits))


def predict_document(
    document: ExtractedDocument,
    predictor: Predictor,
    extractor_version: str,
    margin: float = DEFAULT_MARGIN,
) -> Prediction:
    any_model = next(iter(predictor.classifiers.values()))
    every_text = [passage.text for passage in document.passages]
    passages = [
        document.passages[i] for i in content_indices(every_text, any_model.settings.content)
    ]
    passage_texts = [passage.text for passage in passages]
    text = "\n\n".join(passage_texts) or document.text
    decision = any_model.relevance([text])[0]
    groups: dict[str, GroupPrediction] = {}
    evidence: dict[str, list[Evidence]] = {}
    terms: dict[str, list[str]] = {}
    for group in GROUPS:
        model = predictor.classifiers[group]
        scores, lifted = (row[0] for row in model.scores_and_floor([text]))
        passage_scores = model.passage_scores(passage_texts) if decision.relevant else None
        chosen, borderline = [], []
        for column, label in enumerate(model.classes_):
            threshold = model.thresholds_[column]
            if scores[column] >= threshold:
                chosen.append(label)
            if decision.relevant and abs(scores[column] - threshold) < margin:
                borderline.append(label)
            if passage_scores is None or (label not in chosen and label not in borderline):
                continue
            ranked = _ranked_passages(
                model, column, passage_scores, passage_texts, bool(lifted[column])
            )
            evidence[label] = [
                Evidence(
                    text=passages[i].text,
                    page=passages[i].page,
                    start=passages[i].start,
                    end=passages[i].end,
                    score=float(np.clip(passage_scores[i, column], 0.0, 1.0)),
                    bbox=passages[i].bbox,
                )
                for i in ranked[:EVIDENCE_PER_LABEL]
            ]
            if isinstance(model.model, GroupClassifier):
                terms[label] = model.model.top_terms(text, label)
        groups[group] = GroupPrediction(
            labels=chosen,
            scores={
                label: float(np.clip(s, 0.0, 1.0))
                for label, s in zip(model.classes_, scores, strict=True)
            },
            needs_review=borderline,
        )
    return Prediction(
        document_id=document.sha256,
        model_version=predictor.version,
        model_hash=predictor.model_hash,
        taxonomy_version=predictor.taxonomy_version,
        extractor_version=extractor_version,
        thresholds=predictor.thresholds,
        relevance=Relevance(relevant=decision.relevant, score=decision.score),
        groups=groups,
        evidence=evidence,
        terms=terms,
    )
