"""Tagging off-topic PDFs: ``cluster-nlp predict FILES --json`` on the real documents that are
about no cluster (econometrics notes, a CGE article, a labour-market report, a constitution, a
federal register notice), against the keyword baseline on the same files, in one run.

    uv run python benchmarks/off_topic.py [--repeats 2] [--before DIR] [--write BENCHMARKS.md]

An off-topic document gets no label; what it costs is the question. The keyword baseline reads
the same files (extraction, entities, relevance) with no model, so it is the floor. ``--before
DIR`` runs the model on another checkout's code too (``git archive COMMIT | tar -x -C DIR``).
Each figure is the best of ``--repeats`` runs. The section of BENCHMARKS.md between the
``off-topic`` markers is rewritten; the real PDFs are read from ``../shared/pdfs/real``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sections import machine, write_section
from startup import CLI, environment, timed

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "pdfs" / "real"
OFF_TOPIC = (
    "ru/em301__kantorovich_lectures_by_kostyrka.pdf",
    "ru/em301__nazarov_emetrix_summary.pdf",
    "ru/rosstat__cge_model_nea_article.pdf",
    "en/pdfplumber__WARN-Report-2015-2016.pdf",
    "en/shyr1es__kz_constitution_en.pdf",
    "en/pdfplumber__federal-register-2020-17221.pdf",
)
MARK_START, MARK_END = "<!-- off-topic:start -->", "<!-- off-topic:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout to measure beside this one")
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    files = [REAL / name for name in OFF_TOPIC]
    if not all(path.is_file() for path in files):
        sys.exit(f"the off-topic real PDFs are not under {REAL}")
    predict = [sys.executable, "-c", CLI, "predict", *map(str, files), "--json"]
    runs = [("keyword baseline", None, ["--model", "keyword"]), ("model, this checkout", None, [])]
    if args.before:
        runs.append((f"model, before (`{args.before.name}`)", args.before.resolve(), []))
    rows = []
    for label, code, extra in runs:
        wall, cpu = min(timed([*predict, *extra], environment(code)) for _ in range(args.repeats))
        rows.append((label, wall, cpu))
    floor = rows[0][1]
    table = [
        "| what | wall s | CPU s | × keyword baseline's wall |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {wall:.1f} | {cpu:.1f} | {wall / floor:.2f} |" for name, wall, cpu in rows),
    ]
    command = "uv run python benchmarks/off_topic.py" + (
        f" --before {args.before}" if args.before else ""
    )
    section = "\n".join(
        [
            MARK_START,
            "## Off-topic documents (`benchmarks/off_topic.py`)",
            "",
            f"Command: `{command}`; date {date.today().isoformat()}; machine: {machine()}; best "
            f"of {args.repeats} runs. `cluster-nlp predict FILES --json` on the {len(files)} "
            "off-topic real PDFs (econometrics notes, a CGE article, a labour-market report, a "
            "constitution, a federal register notice), each one process; CPU counts it and its "
            "children.",
            "",
            *table,
            "",
            "Every one is off-topic and gets no label in either code. The model no longer reads "
            "an off-topic text at all (`classify/guarded.py`: the relevance gate comes first), "
            "so its long passages are not embedded for scores that the gate then sets to 0.",
            MARK_END,
        ]
    )
    print(section)
    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
