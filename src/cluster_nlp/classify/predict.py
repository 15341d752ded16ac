"""Tag a document: document-level scores, passage-level evidence, borderline labels.

Every passage is scored by the same group classifiers as the whole document; the document's
labels are those whose score passes the tuned threshold, and each comes with the passages that
score highest for it (page, offsets, box) and the terms that weigh most. A score within
``margin`` of its threshold, on either side, marks the label "needs review".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cluster_nlp.classify.keyword import KeywordClassifier
from cluster_nlp.classify.model import GroupClassifier
from cluster_nlp.classify.train import KEYWORD_MODEL, keyword_classifiers
from cluster_nlp.records import Evidence, ExtractedDocument, GroupPrediction, Prediction
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
    classifiers: dict[str, GroupClassifier | KeywordClassifier]

    @property
    def thresholds(self) -> dict[str, float]:
        return {
            label: float(threshold)
            for model in self.classifiers.values()
            for label, threshold in zip(model.classes_, model.thresholds_, strict=True)
        }


def trained_predictor(model: LoadedModel) -> Predictor:
    return Predictor(
        model.version, model.model_hash, model.metadata["taxonomy_version"], model.classifiers
    )


def keyword_predictor(taxonomy: Taxonomy) -> Predictor:
    return Predictor(
        KEYWORD_MODEL,
        f"{KEYWORD_MODEL}-{taxonomy.version[:16]}",
        taxonomy.version,
        keyword_classifiers(taxonomy),
    )


def predict_document(
    document: ExtractedDocument,
    predictor: Predictor,
    extractor_version: str,
    margin: float = DEFAULT_MARGIN,
) -> Prediction:
    passages = document.passages
    passage_texts = [passage.text for passage in passages]
    groups: dict[str, GroupPrediction] = {}
    evidence: dict[str, list[Evidence]] = {}
    terms: dict[str, list[str]] = {}
    for group in GROUPS:
        model = predictor.classifiers[group]
        scores = model.predict_proba([document.text])[0]
        passage_scores = (
            model.predict_proba(passage_texts) if passages else np.zeros((0, len(scores)))
        )
        chosen, borderline = [], []
        for column, label in enumerate(model.classes_):
            threshold = model.thresholds_[column]
            if scores[column] >= threshold:
                chosen.append(label)
            if abs(scores[column] - threshold) < margin:
                borderline.append(label)
            if label not in chosen and label not in borderline:
                continue
            ranked = np.argsort(passage_scores[:, column])[::-1][:EVIDENCE_PER_LABEL]
            evidence[label] = [
                Evidence(
                    text=passages[i].text,
                    page=passages[i].page,
                    start=passages[i].start,
                    end=passages[i].end,
                    score=float(np.clip(passage_scores[i, column], 0.0, 1.0)),
                    bbox=passages[i].bbox,
                )
                for i in ranked
            ]
            if isinstance(model, GroupClassifier):
                terms[label] = model.top_terms(document.text, label)
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
        groups=groups,
        evidence=evidence,
        terms=terms,
    )
