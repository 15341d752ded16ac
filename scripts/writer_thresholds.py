"""How a model's thresholds carry over to a writer it never read, on the training split alone.

    uv run python scripts/writer_thresholds.py --model VERSION [--models DIR]

The model must have been trained with ``folds_by: batch`` (training.yaml), so that each
training document's out-of-fold score comes from passage models that never read its writer.
Each writer is held out in turn: thresholds are chosen on the other writers' out-of-fold
scores and applied to the held-out writer's, and micro-F1 is counted over all writers (and per
writer). Compared, per group: each label's own F-beta-best threshold (beta 1, 0.85, 0.7, 0.5)
and one threshold shared by every label (``shared_threshold``). The test split is not read:
this is how ``threshold_scoring`` and ``shared_threshold`` in training.yaml were chosen
without tuning them to the test writer.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, fbeta_score

from cluster_nlp.classify.data import label_matrix, load_labeled_texts
from cluster_nlp.classify.model import DEFAULT_THRESHOLD, THRESHOLD_GRID, shared_threshold
from cluster_nlp.classify.settings import load_classify_settings
from cluster_nlp.classify.train import split
from cluster_nlp.config import get_settings
from cluster_nlp.registry import load_version
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

BETAS = (1.0, 0.85, 0.7, 0.5)


def fbeta_threshold(truth: np.ndarray, scores: np.ndarray, beta: float) -> float:
    """The grid threshold with the best F-beta; ties go to the one nearest 0.5, as in
    training (``model.best_threshold``)."""
    return max(
        sorted(THRESHOLD_GRID, key=lambda cut: abs(cut - DEFAULT_THRESHOLD)),
        key=lambda cut: fbeta_score(truth, scores >= cut, beta=beta, zero_division=0),
    )


def own_thresholds(truth: np.ndarray, scores: np.ndarray, beta: float) -> np.ndarray:
    return np.array(
        [fbeta_threshold(truth[:, j], scores[:, j], beta) for j in range(truth.shape[1])]
    )


def held_out(truth, scores, writers, cuts) -> np.ndarray:
    """Predictions for each writer with thresholds ``cuts(truth, scores)`` chosen on the
    others."""
    predicted = np.zeros_like(truth)
    for writer in np.unique(writers):
        out = writers == writer
        predicted[out] = scores[out] >= cuts(truth[~out], scores[~out])
    return predicted


def report(name: str, truth, predicted, writers) -> str:
    per_writer = " ".join(
        f"{writer} {f1_score(truth[mine], predicted[mine], average='micro', zero_division=0):.3f}"
        for writer in np.unique(writers)
        if (mine := writers == writer).any()
    )
    return f"  {name:22} micro-F1 {f1_score(truth, predicted, average='micro'):.3f}  ({per_writer})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a version trained with folds_by: batch")
    parser.add_argument("--models", type=Path, help="model registry folder [models/]")
    args = parser.parse_args()
    home, settings, taxonomy = get_settings(), load_classify_settings(), load_taxonomy()
    loaded = load_version(args.models or home.models_dir, taxonomy, args.model)
    if loaded.metadata["training_settings"].get("folds_by") != "batch":
        parser.error(f"{args.model} was not trained with folds_by: batch (see the docstring)")
    excluded = set(settings.training.exclude_documents)
    examples = load_labeled_texts(home.corpus_dir / "labels.jsonl", taxonomy)
    train = [e for e in split(examples, "train") if e.doc_id not in excluded]
    writers = np.array([e.batch or "" for e in train])
    for group in GROUPS:
        model = loaded.classifiers[group]
        model = getattr(model, "model", model)  # the fitted estimator behind the guard
        truth, scores = label_matrix(train, group, taxonomy), model.oof_scores_
        print(f"{group} ({model.__class__.__name__})")
        for beta in BETAS:
            predicted = held_out(truth, scores, writers, partial(own_thresholds, beta=beta))
            print(report(f"own, F-beta {beta}", truth, predicted, writers))
        shared = held_out(truth, scores, writers, shared_threshold)
        print(report("shared (F1)", truth, shared, writers))


if __name__ == "__main__":
    main()
