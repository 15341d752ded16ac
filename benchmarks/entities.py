"""Entity extraction speed: tokens per second of the pipelines against spaCy's bare tokenizer.

    uv run python benchmarks/entities.py [--corpus corpus] [--write BENCHMARKS.md]

All runs go over the same texts, in one process: the corpus's markdown sources cut into the
segments evaluation uses (paragraphs, list items, table cells), per language. Figures are
ratios to the tokenizer measured in the same run (the machines are shared and noisy), and the
section of BENCHMARKS.md between the ``entities`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import spacy
from sections import machine, write_section

from cluster_nlp.corpus.schema import read_label_records
from cluster_nlp.nlp.evaluate import markdown_segments
from cluster_nlp.nlp.pipeline import LANGUAGES, build_pipeline, default_choices, pipeline

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- entities:start -->", "<!-- entities:end -->"
BATCH_SIZE = 64


def segments_by_language(corpus: Path) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for record in read_label_records(corpus / "labels.jsonl"):
        source = (corpus / record.source).read_text("utf-8")
        texts[record.lang].extend(text for _, text in markdown_segments(source))
    return texts


def run(nlp, texts: list[str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds, tokens and entities of one pass of ``nlp`` over ``texts``."""
    started, started_cpu = time.perf_counter(), time.process_time()
    tokens = entities = 0
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        tokens += len(doc)
        entities += len(doc.ents)
    return time.perf_counter() - started, time.process_time() - started_cpu, tokens, entities


def timed_build(build) -> tuple[float, object]:
    started = time.perf_counter()
    nlp = build()
    return time.perf_counter() - started, nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    if not (args.corpus / "labels.jsonl").is_file():
        sys.exit(f"no labels.jsonl in {args.corpus}")
    texts = segments_by_language(args.corpus)
    defaults = default_choices()

    rows = []
    for lang in LANGUAGES:
        candidates = [
            ("spaCy blank tokenizer", lambda lang=lang: spacy.blank(lang)),
            (
                "rules: natasha + entity ruler + ORG boundaries"
                if lang == "ru"
                else "rules: entity ruler",
                lambda lang=lang: build_pipeline(lang),
            ),
        ]
        if defaults[lang].kind != "rules":
            candidates.append((f"default: {defaults[lang].kind}", lambda lang=lang: pipeline(lang)))
        baseline = None
        for name, build in candidates:
            load_s, nlp = timed_build(build)
            run(nlp, texts[lang][:BATCH_SIZE])  # warm-up: lazy loads, first-batch costs
            seconds, cpu_seconds, tokens, entities = run(nlp, texts[lang])
            rate = tokens / cpu_seconds
            baseline = baseline or rate
            rows.append(
                (
                    lang,
                    name,
                    len(texts[lang]),
                    tokens,
                    entities,
                    load_s,
                    seconds,
                    cpu_seconds,
                    rate,
                    baseline / rate,
                )
            )
            print(f"{lang} {name}: {tokens} tokens, {seconds:.2f} s wall", flush=True)

    lines = [
        MARK_START,
        "## Entity extraction (`benchmarks/entities.py`)",
        "",
        f"Command: `uv run python benchmarks/entities.py`; date {date.today().isoformat()}; "
        f"machine: {machine()}; texts: the {sum(map(len, texts.values()))} segments "
        f"(paragraphs, list items, table cells) of the corpus's markdown sources, "
        f"`nlp.pipe` with batch size {BATCH_SIZE}, one process.",
        "",
        "| lang | pipeline | segments | tokens | entities | load s | wall s | CPU s "
        "| tokens per CPU s | × slower than tokenizer |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lang, name, segments, tokens, entities, load_s, wall, cpu, rate, slower in rows:
        lines.append(
            f"| {lang} | {name} | {segments} | {tokens} | {entities} | {load_s:.1f} "
            f"| {wall:.2f} | {cpu:.2f} | {rate:,.0f} | {slower:.1f} |"
        )
    lines += [
        "",
        "Rates are per CPU second of this process (the machine is shared, so wall time also "
        "counts other jobs); the ratio compares pipelines measured in the same run. "
        "The Russian rules pipeline runs pymorphy3 lemmas on every token (for the inflection-proof "
        "term patterns) and natasha's slovnet NER; `load s` is building the pipeline once per "
        "process (natasha's embeddings, the ruler's patterns), which extraction pays only once.",
        MARK_END,
    ]
    section = "\n".join(lines)
    print(section)
    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
