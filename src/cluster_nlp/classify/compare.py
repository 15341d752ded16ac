"""Two model versions side by side on the same labelled documents.

A researcher who retrains wants to know more than two micro-F1s: whether the difference is
more than the documents the split happens to hold (a paired bootstrap, both versions scored on
each resample), which labels moved, and which documents now get other labels, to read them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import f1_score

from cluster_nlp.classify.data import LabeledText, label_matrix
from cluster_nlp.classify.evaluate import BOOTSTRAP_RESAMPLES, paired_difference
from cluster_nlp.taxonomy import GROUPS, Taxonomy


def _predicted(model, texts: Sequence[str], labels: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, labels), dtype=int)
    return (model.predict_proba(list(texts)) >= model.thresholds_).astype(int)


def _labels_of(row: np.ndarray, ids: Sequence[str]) -> list[str]:
    return [label for label, on in zip(ids, row, strict=True) if on]


def compare_group(
    ids: Sequence[str],
    truth: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    doc_ids: Sequence[str],
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict:
    """One group: each version's micro-F1, the paired difference (second minus first), F1 per
    label, and every document whose predicted labels differ between the versions."""
    per_label = {}
    for column, label in enumerate(ids):
        scores = [
            float(f1_score(truth[:, column], predicted[:, column], zero_division=0))
            for predicted in (first, second)
        ]
        per_label[label] = {
            "first": scores[0],
            "second": scores[1],
            "support": int(truth[:, column].sum()),
        }
    changed = [
        {
            "doc_id": doc_id,
            "truth": _labels_of(truth[row], ids),
            "first": _labels_of(first[row], ids),
            "second": _labels_of(second[row], ids),
        }
        for row, doc_id in enumerate(doc_ids)
        if (first[row] != second[row]).any()
    ]
    micro = [
        float(f1_score(truth, predicted, average="micro", zero_division=0)) if len(truth) else 0.0
        for predicted in (first, second)
    ]
    return {
        "first": micro[0],
        "second": micro[1],
        **paired_difference(truth, first, second, resamples=resamples),
        "per_label": per_label,
        "changed_documents": changed,
    }


def compare_versions(
    first: dict,
    second: dict,
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, dict]:
    """``compare_group`` for every group; ``first`` and ``second`` map a group to its
    classifier (a trained version's or the keyword baseline's)."""
    texts = [example.text for example in examples]
    doc_ids = [example.doc_id for example in examples]
    report = {}
    for group in GROUPS:
        ids = taxonomy.group_ids(group)
        report[group] = compare_group(
            ids,
            label_matrix(examples, group, taxonomy),
            _predicted(first[group], texts, len(ids)),
            _predicted(second[group], texts, len(ids)),
            doc_ids,
            resamples,
        )
    return report
