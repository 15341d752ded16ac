"""How far the default model's test-split figures move when its e5 vectors move a little.

    uv run python benchmarks/model_spread.py [--draws 5] [--write BENCHMARKS.md]

The 4-bit e5 engine is not bit-identical across processors (another SIMD path sums in another
order), so a document near a threshold can flip from one machine to the next. This script
embeds the test split once, then scores it again with every vector moved by random noise of a
given size (relative L2 norm, re-normalised), and reports, per group, the largest change of
micro-F1 and the largest number of documents whose predicted labels changed. The tolerance of
``tests/classify/test_default_model.py`` comes from these figures; the section of
BENCHMARKS.md between the ``model-spread`` markers is rewritten.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from sections import machine, write_section

from cluster_nlp.classify.data import label_matrix, load_labeled_texts
from cluster_nlp.classify.embeddings import default_embedder
from cluster_nlp.classify.train import split
from cluster_nlp.registry import load_version, read_metrics
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- model-spread:start -->", "<!-- model-spread:end -->"
SCALES = (1e-4, 1e-3, 1e-2)


class NoisyEmbedder:
    """The process's e5 vectors, each moved by Gaussian noise of relative size ``scale``."""

    def __init__(self, scale: float, seed: int) -> None:
        self.scale, self.rng, self.engine = scale, np.random.default_rng(seed), default_embedder()

    def _moved(self, rows: np.ndarray) -> np.ndarray:
        noise = self.rng.standard_normal(rows.shape)
        noise *= self.scale / np.linalg.norm(noise, axis=1, keepdims=True)
        moved = rows + noise
        return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._moved(self.engine.passages(texts))

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._moved(self.engine.queries(texts))


def predictions(classifiers: dict, texts: list[str], embedder) -> dict[str, np.ndarray]:
    predicted = {}
    for group in GROUPS:
        model = classifiers[group]
        model.embedder = embedder
        predicted[group] = model.predict_proba(texts) >= model.thresholds_
    return predicted


def micro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((truth & predicted).sum())
    wrong = int((truth ^ predicted).sum())
    return 2 * tp / (2 * tp + wrong) if tp or wrong else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    models = ROOT / "models"
    model = load_version(models, taxonomy)
    test = split(load_labeled_texts(ROOT / "corpus" / "labels.jsonl", taxonomy), "test")
    texts = [example.text for example in test]
    truth = {group: label_matrix(test, group, taxonomy).astype(bool) for group in GROUPS}
    recorded = read_metrics(models, model.version)["test"]
    exact = predictions(model.classifiers, texts, default_embedder())
    rows = []
    for scale in SCALES:
        for draw in range(args.draws):
            moved = predictions(model.classifiers, texts, NoisyEmbedder(scale, draw))
            for group in GROUPS:
                changed = int((moved[group] != exact[group]).any(axis=1).sum())
                delta = micro_f1(truth[group], moved[group]) - micro_f1(truth[group], exact[group])
                rows.append((scale, group, changed, abs(delta)))
    lines = [
        MARK_START,
        "## Default model under moved embeddings (`benchmarks/model_spread.py`)",
        "",
        f"Command: `uv run python benchmarks/model_spread.py --draws {args.draws}`; date "
        f"{date.today().isoformat()}; machine: {machine()}; model `{model.version}` "
        f"(`models/current`) on the {len(test)} documents of the test split.",
        "",
        "Baseline, same run, unmoved vectors: micro-F1 "
        + ", ".join(
            f"{group} {micro_f1(truth[group], exact[group]):.4f} "
            f"(recorded {recorded[group]['micro']['f1']:.4f})"
            for group in GROUPS
        )
        + ".",
        "",
        f"| noise (relative L2) | group | most documents changed (of {len(test)}) "
        f"| largest micro-F1 change | draws |",
        "|---:|---|---:|---:|---:|",
    ]
    for scale in SCALES:
        for group in GROUPS:
            mine = [row for row in rows if row[0] == scale and row[1] == group]
            lines.append(
                f"| {scale:g} | {group} | {max(r[2] for r in mine)} "
                f"| {max(r[3] for r in mine):.4f} | {len(mine)} |"
            )
    lines += [
        "",
        "Rounding in another summation order moves e5 vectors by far less than 1e-3, where "
        "nothing flips; another processor flipped one document of one group (issue 13: "
        "micro-F1 0.6893 against 0.6875). `tests/classify/test_default_model.py` allows a "
        "micro-F1 change of 0.01 per group, about three times the largest change measured "
        "here at 1e-2.",
        MARK_END,
    ]
    section = "\n".join(lines)
    print(section)
    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
