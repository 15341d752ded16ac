"""Memory of one process extracting the largest real PDF, beside the same process before it.

    uv run python benchmarks/extract_memory.py [--pdfs ../shared/pdfs/real] [--write BENCHMARKS.md]

Each engine runs in a fresh process, which reads its own /proc/self/status after importing
the ingest code (the baseline) and again after extracting the file: resident memory (VmHWM,
the peak) and address space (VmPeak). The worker's cap (``ParseLimits.memory_mb``) limits the
address space a parser process takes on beyond what it holds when it starts, so that growth
is the figure to compare with the cap. The section of BENCHMARKS.md between the
``extract-memory`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sections import machine, write_section

from cluster_nlp.ingest.sandbox import ParseLimits

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- extract-memory:start -->", "<!-- extract-memory:end -->"
LARGEST = "en/pdfjs__freeculture.pdf"
ENGINES = ("auto", "pdfium", "pdfplumber")

MEASURE = """
import json, sys
from pathlib import Path
from cluster_nlp.ingest import extract

def status():
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {key: int(fields[key].split()[0]) // 1024 for key in ("VmHWM", "VmPeak", "VmSize")}

before = status()
document = extract(Path(sys.argv[1]), engine=sys.argv[2], ocr=False)
print(json.dumps({"before": before, "after": status(), "pages": document.page_count}))
"""


def measure(path: Path, engine: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), engine],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "pdfs" / "real")
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    path = args.pdfs / LARGEST
    if not path.is_file():
        sys.exit(f"{path} is missing")
    lines = [
        MARK_START,
        "## Memory of one extraction (`benchmarks/extract_memory.py`)",
        "",
        f"Command: `uv run python benchmarks/extract_memory.py`; date {date.today().isoformat()}; "
        f"machine: {machine()}; file: `{LARGEST}`; OCR off; one fresh process per engine. "
        f"Baseline: the same process after importing the ingest code, before reading the file. "
        f"The worker's default cap is {ParseLimits().memory_mb} MB of address space beyond "
        "what it holds at its start.",
        "",
        "| engine | pages | peak resident MB (baseline) | extraction's resident MB "
        "| address space MB (baseline) | extraction's address space MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for engine in ENGINES:
        figures = measure(path, engine)
        before, after = figures["before"], figures["after"]
        lines.append(
            f"| {engine} | {figures['pages']} | {after['VmHWM']} ({before['VmHWM']}) "
            f"| +{after['VmHWM'] - before['VmHWM']} | {after['VmPeak']} ({before['VmSize']}) "
            f"| +{after['VmPeak'] - before['VmSize']} |"
        )
    lines += [
        "",
        "Resident memory depends on the machine (allocator, page cache, libraries' arenas: "
        "220 MB to 1040 MB have been seen for this file), so no test has a limit on it; the "
        "sandbox tests check that the cap stops a parser that allocates without bound.",
        MARK_END,
    ]
    section = "\n".join(lines)
    print(section)
    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
