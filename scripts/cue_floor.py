"""What the cue floor would do to a model's labels, per group and floor setting.

    uv run python scripts/cue_floor.py [--model VERSION]

For each group and each setting (``min_matches`` 1 or 2, ``veto_below`` from 0.05 to 0.5), on
the training split's out-of-fold scores (what the model's own folds scored, so no document
scores itself) and on the test split's documents: how many labels the floor adds, the share of
them that are right, and micro-F1 with it, beside micro-F1 without it. A floor helps only
where what it adds is right more often than about half the group's F1. This is how the
floor's setting in ``src/cluster_nlp/data/classify.yaml`` was chosen.
"""

from __future__ import annotations

import argparse

from sklearn.metrics import f1_score

from cluster_nlp.classify.content import content_text
from cluster_nlp.classify.data import label_matrix, load_labeled_texts
from cluster_nlp.classify.encoders import stored_vectors, vector_cache_sessions
from cluster_nlp.classify.features import cue_counts, group_cues
from cluster_nlp.classify.settings import load_classify_settings, load_training_settings
from cluster_nlp.classify.train import guarded_classifiers, split
from cluster_nlp.config import get_settings
from cluster_nlp.registry import load_version
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

SETTINGS = [(matches, veto) for matches in (1, 2) for veto in (0.05, 0.1, 0.2, 0.3, 0.5)]


def floor_rows(truth, scores, thresholds, counts) -> list[str]:
    """One line per setting: labels added, share right, micro-F1 with the floor."""
    alone = scores >= thresholds
    lines = [f"    no floor: micro-F1 {f1_score(truth, alone, average='micro'):.3f}"]
    for matches, veto in SETTINGS:
        added = (counts >= matches) & (scores >= veto) & ~alone
        right = f"{truth[added].mean():.2f}" if added.any() else "-"
        with_floor = f1_score(truth, alone | added, average="micro")
        lines.append(
            f"    min_matches {matches}, veto_below {veto:<4}: adds {int(added.sum()):4d}, "
            f"right {right:>4}, micro-F1 {with_floor:.3f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model version [current]")
    args = parser.parse_args()
    settings, home = load_classify_settings(), get_settings()
    taxonomy = load_taxonomy()
    loaded = load_version(home.models_dir, taxonomy, args.model)
    examples = load_labeled_texts(home.corpus_dir / "labels.jsonl", taxonomy)
    excluded = set(settings.training.exclude_documents)
    train = [e for e in split(examples, "train") if e.doc_id not in excluded]
    test = split(examples, "test")
    prose = {
        name: [content_text(e.text, settings.content) for e in part]
        for name, part in (("train", train), ("test", test))
    }
    cache = home.home / load_training_settings().vector_cache
    with stored_vectors(vector_cache_sessions(cache)):
        unfloored = guarded_classifiers(loaded.classifiers, taxonomy, settings, floor=False)
        print(f"model {loaded.version}")
        for group in GROUPS:
            model, cues = unfloored[group], group_cues(taxonomy, group)
            print(f"{group}")
            print("  training split, out-of-fold scores:")
            print(
                *floor_rows(
                    label_matrix(train, group, taxonomy),
                    model.model.oof_scores_,
                    model.thresholds_,
                    cue_counts(prose["train"], cues),
                ),
                sep="\n",
            )
            print("  test split, documents:")
            print(
                *floor_rows(
                    label_matrix(test, group, taxonomy),
                    model.predict_proba([e.text for e in test]),
                    model.thresholds_,
                    cue_counts(prose["test"], cues),
                ),
                sep="\n",
            )


if __name__ == "__main__":
    main()
