"""Classification speed: tagging documents and training against corpus size, in one run.

    uv run python benchmarks/classify.py [--sizes 1 2 4] [--write BENCHMARKS.md]

Tagging runs ``predict_document`` (document scores, passage evidence, top terms) on the
corpus texts as already-ingested documents, with the promoted model and, as baselines
measured in the same run, with the keyword baseline and with the e5 embedding of the
passages alone. Through the store (``tag_documents`` on a fresh SQLite store holding the documents),
it measures first tagging (no passage vector stored yet, a fresh e5 engine) and re-tagging
with another model version (every passage vector stored), beside the keyword baseline through
the same store. Training fits the three group classifiers on the train split resampled to 1x, 2x and
4x its size, beside fitting the TF-IDF vocabulary alone on the same texts. The section of
BENCHMARKS.md between the ``classify`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from sections import machine, write_section

from cluster_nlp.classify.data import LabeledText, load_labeled_texts
from cluster_nlp.classify.embeddings import E5Embedder, default_embedder
from cluster_nlp.classify.features import fit_word_features
from cluster_nlp.classify.predict import keyword_predictor, predict_document, trained_predictor
from cluster_nlp.classify.tag import tag_documents
from cluster_nlp.classify.train import fit_classifiers, split
from cluster_nlp.records import ExtractedDocument, Page, PageQuality, Passage
from cluster_nlp.registry import load_version
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import save_document
from cluster_nlp.store.vectors import clear_recent
from cluster_nlp.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- classify:start -->", "<!-- classify:end -->"
BLOCK = re.compile(r"[^\n]+(?:\n[^\n]+)*")  # a paragraph: lines between blank lines


def as_document(example: LabeledText) -> ExtractedDocument:
    """A corpus text as ingestion would hand it over: one page, one passage per paragraph."""
    passages = [
        Passage(page=1, start=block.start(), end=block.end(), text=block[0], lang=example.lang)
        for block in BLOCK.finditer(example.text)
    ]
    quality = PageQuality(grade=1.0, letters=len(example.text), letter_ratio=0.8, cyrillic_ratio=0)
    page = Page(number=1, width=595, height=842, text=example.text, engine="bench", quality=quality)
    return ExtractedDocument(
        path=example.doc_id,
        sha256=hashlib.sha256(example.text.encode("utf-8")).hexdigest(),
        status=DocumentStatus.OK,
        lang=example.lang,
        text=example.text,
        pages=[page],
        passages=passages,
    )


def timed(function, *args) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds of this process, and the result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def tag_all(documents: list[ExtractedDocument], predictor) -> int:
    for document in documents:
        predict_document(document, predictor, "bench")
    return len(documents)


def embed_all(documents: list[ExtractedDocument]) -> int:
    E5Embedder().passages([passage.text for document in documents for passage in document.passages])
    return len(documents)


def tag_through_store(documents: list[ExtractedDocument], predictor, folder: Path) -> dict:
    """First tagging and re-tagging with another version through one store: (wall, cpu, n)."""
    sessions = open_store(f"sqlite:///{folder}/bench.db")
    for document in documents:
        save_document(sessions, document, size_bytes=len(document.text))
    default_embedder.cache_clear()  # a fresh engine: nothing embedded in memory either
    first = timed(lambda: len(tag_documents(sessions, predictor, "bench").tagged))
    default_embedder.cache_clear()  # only the store remembers the vectors now,
    clear_recent()  # as in a new process
    again = replace(predictor, version=f"{predictor.version}-again")
    retag = timed(lambda: len(tag_documents(sessions, again, "bench").tagged))
    keyword = keyword_predictor(load_taxonomy())
    baseline = timed(lambda: len(tag_documents(sessions, keyword, "bench").tagged))
    return {
        "first tagging (model, nothing stored)": first,
        "re-tagging (another model version, vectors stored)": retag,
        "keyword baseline through the store": baseline,
    }


def resampled(examples: list[LabeledText], factor: int, seed: int = 0) -> list[LabeledText]:
    """``factor`` times as many documents, drawn with replacement, renamed to stay distinct."""
    rng = random.Random(seed)
    if factor == 1:
        return list(examples)
    drawn = [rng.choice(examples) for _ in range(factor * len(examples))]
    return [replace(example, doc_id=f"{example.doc_id}-{i}") for i, example in enumerate(drawn)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "corpus" / "labels.jsonl")
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[1, 2, 4], help="training sizes (none: skip)"
    )
    parser.add_argument("--documents", type=int, default=0, help="tag only the first N [all]")
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()

    taxonomy = load_taxonomy()
    examples = load_labeled_texts(args.labels, taxonomy)
    documents = [as_document(example) for example in examples]
    if args.documents:
        documents = documents[: args.documents]
    model = load_version(args.models, taxonomy)
    words = sum(len(document.text.split()) for document in documents)
    passages = sum(len(document.passages) for document in documents)

    # load pymorphy3 and the caches
    timed(tag_all, documents[:5], trained_predictor(model, taxonomy))
    default_embedder.cache_clear()  # a new engine: nothing embedded yet
    tagging = {
        f"model {model.version}": timed(tag_all, documents, trained_predictor(model, taxonomy)),
        "keyword baseline": timed(tag_all, documents, keyword_predictor(taxonomy)),
        "e5 embedding of the passages alone": timed(embed_all, documents),
    }
    with tempfile.TemporaryDirectory() as folder:
        stored = tag_through_store(documents, trained_predictor(model, taxonomy), Path(folder))
    train = split(examples, "train")
    training = []
    for factor in args.sizes:
        sample = resampled(train, factor)
        texts = [example.text for example in sample]
        vocabulary = timed(fit_word_features, texts, 2, 0.5)
        default_embedder.cache_clear()
        fit = timed(fit_classifiers, sample, taxonomy, None)
        training.append((factor, len(sample), fit, vocabulary))
        print(f"trained on {len(sample)} documents in {fit[0]:.0f} s", flush=True)

    model_wall = tagging[f"model {model.version}"][0]
    lines = [
        MARK_START,
        "## Classification (`benchmarks/classify.py`)",
        "",
        f"Command: `uv run python benchmarks/classify.py`; date {date.today().isoformat()}; "
        f"machine: {machine()} (shared with other jobs: compare the ratios, measured in the "
        f"same run, more than the absolute figures); documents: the {len(documents)} corpus "
        f"texts as already-ingested documents ({words} words, {passages} passages).",
        "",
        "Tagging (`predict_document`: three groups, document scores, passage evidence, top terms):",
        "",
        "| what | wall s | CPU s | documents per s | × model's time |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (wall, cpu, count) in tagging.items():
        lines.append(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {count / wall:.1f} | {wall / model_wall:.2f} |"
        )
    lines += [
        "",
        "Tagging through the store (`tag_documents`: prediction stored; passage vectors read "
        "from and written to the `passage_vectors` table):",
        "",
        "| what | wall s | CPU s | CPU s per document | documents per s (wall) "
        "| documents per s on two busy cores (2 / CPU s per document) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (wall, cpu, count) in stored.items():
        lines.append(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {cpu / count:.3f} | {count / wall:.1f} "
            f"| {2 * count / cpu:.1f} |"
        )
    if training:
        lines += [
            "",
            "Training the three group classifiers (word C chosen by 5-fold cross-validation among "
            "three values, the paragraph model on every fold, score weights among twelve pairs, "
            "calibration and thresholds on out-of-fold scores; embedding each distinct paragraph "
            "once included), on the train split resampled with replacement; beside it, fitting "
            "the TF-IDF vocabulary alone:",
            "",
            "| corpus size | documents | train wall s | train CPU s | × 1x time "
            "| TF-IDF fit wall s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        first = training[0][2][0]
        for factor, count, (wall, cpu, _), (vocabulary_wall, _, _) in training:
            lines.append(
                f"| {factor}x | {count} | {wall:.1f} | {cpu:.1f} | {wall / first:.2f} "
                f"| {vocabulary_wall:.2f} |"
            )
    lines.append(MARK_END)
    section = "\n".join(lines) + "\n"
    print(section)

    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
