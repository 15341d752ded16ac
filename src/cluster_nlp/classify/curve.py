"""How test micro-F1 grows with the number of training documents (a learning curve).

Reviewing and labelling documents costs analysts' time; a learning curve says what more of it
would buy. Each point trains the three group classifiers on a share of the training split,
drawn per language so the Russian/English mix stays the same, and scores the whole test
split; a share below one is drawn ``repeats`` times and averaged. The gain per doubling is
the slope of mean micro-F1 against log2 of the training documents, by least squares.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np

from cluster_nlp.classify.data import LabeledText
from cluster_nlp.classify.model import EmptyClassError
from cluster_nlp.classify.train import evaluate_classifiers, fit_classifiers, split
from cluster_nlp.taxonomy import GROUPS, Taxonomy

MAX_DRAWS = 20  # tries to draw a subsample in which every label keeps two positives


def check_fractions(fractions: Sequence[float]) -> list[float]:
    """Sorted distinct shares, each in (0, 1]."""
    bad = [f for f in fractions if not 0.0 < f <= 1.0]
    if not fractions or bad:
        raise ValueError(f"training shares must be in (0, 1]; got {list(fractions)}")
    return sorted(set(fractions))


def subsample(examples: list[LabeledText], fraction: float, rng: random.Random) -> list:
    """``fraction`` of the examples of each language (at least one of each), in corpus order."""
    chosen = set()
    for lang in sorted({example.lang for example in examples}):
        members = [i for i, example in enumerate(examples) if example.lang == lang]
        chosen.update(rng.sample(members, max(1, round(fraction * len(members)))))
    return [example for i, example in enumerate(examples) if i in chosen]


def gain_per_doubling(documents: Sequence[int], f1: Sequence[float]) -> float:
    """Least-squares slope of micro-F1 against log2(documents); 0 with fewer than two sizes."""
    sizes = np.log2(np.asarray(documents, dtype=float))
    if len(set(sizes.tolist())) < 2:
        return 0.0
    return float(np.polyfit(sizes, np.asarray(f1, dtype=float), 1)[0])


def learning_curve(
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    repeats: int = 3,
    params: dict | None = None,
    seed: int = 0,
    on_fit: Callable[[float, int], None] | None = None,
) -> dict:
    """Test micro-F1 per group at each training share (mean, spread and every run), the
    number of training documents, and the gain per doubling of the training documents;
    ``on_fit(fraction, repeat)`` is called after each fit."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    train, test = split(examples, "train"), split(examples, "test")
    if not train or not test:
        raise ValueError("a learning curve needs documents in both the train and test splits")
    rng = random.Random(seed)
    points = []
    for fraction in check_fractions(fractions):
        runs: dict[str, list[float]] = {group: [] for group in GROUPS}
        for repeat in range(1 if fraction == 1.0 else repeats):
            sample, classifiers = _fit_a_draw(train, fraction, taxonomy, params, rng)
            if on_fit:
                on_fit(fraction, repeat)
            report = evaluate_classifiers(classifiers, test, taxonomy)
            for group in GROUPS:
                runs[group].append(report[group]["micro"]["f1"])
        points.append(
            {
                "fraction": fraction,
                "documents": len(sample),  # every draw of a share is the same size
                "groups": {
                    group: {
                        "mean": float(np.mean(scores)),
                        "std": float(np.std(scores)),
                        "runs": scores,
                    }
                    for group, scores in runs.items()
                },
            }
        )
    return {
        "train_documents": len(train),
        "test_documents": len(test),
        "points": points,
        "gain_per_doubling": {
            group: gain_per_doubling(
                [point["documents"] for point in points],
                [point["groups"][group]["mean"] for point in points],
            )
            for group in GROUPS
        },
    }


def _fit_a_draw(
    train: list[LabeledText],
    fraction: float,
    taxonomy: Taxonomy,
    params: dict | None,
    rng: random.Random,
) -> tuple[list[LabeledText], dict]:
    """A subsample and its classifiers; a draw that leaves a label too few positive documents
    to learn is drawn again, up to ``MAX_DRAWS`` times."""
    for _ in range(MAX_DRAWS):
        sample = train if fraction == 1.0 else subsample(train, fraction, rng)
        try:
            return sample, fit_classifiers(sample, taxonomy, params)
        except EmptyClassError as error:
            last = error
            if fraction == 1.0:
                break
    raise EmptyClassError(f"no draw of {fraction:g} of the training split can be learned: {last}")
