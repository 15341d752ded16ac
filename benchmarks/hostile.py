"""Peak memory of the tagging flow's own process on the hostile inbox, beside good files alone.

    uv run python benchmarks/hostile.py [--models models] [--write BENCHMARKS.md]

The hostile corpus of the tests (``tests/support/hostile_corpus.py``) is written once; the
baseline inbox holds only its good files. Each inbox is tagged by the flow in a fresh
process with a fresh SQLite store and the current model, so each process's peak resident
memory (``ru_maxrss``) is that run's alone; the largest child's peak (a parser worker, or
the analysis child that extracts entities and tags) is reported apart.
The section of BENCHMARKS.md between the ``hostile`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from hostile_corpus import Expect, make_hostile_corpus  # noqa: E402
from sections import machine, write_section  # noqa: E402

MARK_START, MARK_END = "<!-- hostile:start -->", "<!-- hostile:end -->"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# The limits of the hostile flow test, so the reference loop and the bomb meet them.
LIMITS = {"CLUSTER_NLP_FILE_TIMEOUT_S": "20", "CLUSTER_NLP_FILE_MEMORY_MB": "512"}


def run_once(inbox: Path, workdir: Path, models: Path) -> dict:
    """Tag ``inbox`` in this process; its peak memory and the run's outcomes."""
    from flows.cli import EMBEDDED_SERVER_DEFAULTS

    for name, value in {**EMBEDDED_SERVER_DEFAULTS, **LIMITS}.items():
        os.environ.setdefault(name, value)
    from flows.tag_documents import tag_documents_flow

    started = time.perf_counter()
    result = tag_documents_flow(
        inbox=str(inbox),
        db=f"sqlite:///{workdir}/store.db",
        out=str(workdir / "out"),
        models_dir=str(models),
    )
    rows = [json.loads(line) for line in (workdir / "out" / "tags.jsonl").read_text().splitlines()]
    return {
        "seconds": time.perf_counter() - started,
        "files": result["files"],
        "outcomes": result["outcomes"],
        "tagged": result["tagged"],
        "stage_failures": len(result["failures"]),
        "classes": dict(Counter(row["error_class"] for row in rows if row["error_class"])),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(inbox: Path, workdir: Path, models: Path) -> dict:
    """``run_once`` in a fresh interpreter, so its peak is its own."""
    workdir.mkdir(parents=True)
    command = [sys.executable, __file__, "--child", str(inbox), str(workdir), str(models)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def section(hostile: dict, baseline: dict, corpus_size: int, faults: int) -> str:
    def line(name: str, run: dict) -> str:
        outcomes = ", ".join(f"{key} {value}" for key, value in run["outcomes"].items())
        return (
            f"| {name} | {run['files']} | {outcomes} | {run['tagged']} | "
            f"{run['peak_rss_mb']:.0f} | {run['workers_peak_rss_mb']:.0f} | {run['seconds']:.0f} |"
        )

    classes = ", ".join(f"{key} {value}" for key, value in sorted(hostile["classes"].items()))
    return f"""{MARK_START}
## Hostile inbox (`benchmarks/hostile.py`)

`uv run python benchmarks/hostile.py` on {date.today().isoformat()}, {machine()}, with the
current model and the limits of the hostile flow test (20 s and 512 MB a file). Each run is
one `tag-documents` flow in a fresh process; peak RSS is that process's `ru_maxrss` (the
flow's parent), the children's column the largest child's: a parser worker, or the analysis
child that extracts entities and tags (`cluster_nlp.analysis`).

| inbox | files | outcomes | tagged | parent peak RSS MB | largest child's peak RSS MB | s |
|---|---|---|---|---|---|---|
{line("good files only (baseline)", baseline)}
{line("hostile corpus + good files", hostile)}

{corpus_size} entries, {faults} of them damaged or hostile; stored failures by class: {classes};
stage failures: {hostile["stage_failures"]}.
{MARK_END}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        inbox, workdir, models = map(Path, args.child)
        print(json.dumps(run_once(inbox, workdir, models)))
        return
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as scratch:
        root = Path(scratch)
        corpus = make_hostile_corpus(root / "hostile", FONT, non_utf8_names=False)
        good = root / "good"
        good.mkdir()
        for case in corpus.of(Expect.GOOD):
            shutil.copyfile(case.path, good / f"{len(list(good.iterdir())):03d}{case.path.suffix}")
        baseline = measure(good, root / "run-good", args.models)
        hostile = measure(corpus.folder, root / "run-hostile", args.models)
    faults = len(corpus.cases) - len(corpus.of(Expect.GOOD))
    text = section(hostile, baseline, len(corpus.cases), faults)
    print(text)
    write_section(args.write, MARK_START, MARK_END, text)


if __name__ == "__main__":
    main()
