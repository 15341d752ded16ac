"""What every benchmark script shares: the machine's description and its BENCHMARKS.md section."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{platform.machine()}, {cpu}, {len(os.sched_getaffinity(0))} cores"


def write_section(path: Path, start: str, end: str, section: str) -> None:
    """Replace the text between the ``start`` and ``end`` markers (they are part of ``section``)."""
    section = section.strip("\n")
    existing = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    if start in existing:
        head, rest = existing.split(start, 1)
        updated = head + section + rest.split(end, 1)[1]
    else:
        updated = existing.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(updated, "utf-8")
