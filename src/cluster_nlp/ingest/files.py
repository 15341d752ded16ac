"""Which files an ingest is about, and what identifies them: discovery under the folders
given, the content hash, and the version of the code that turns bytes into text.

No store and no PDF engine are imported here, so that a command that finds nothing new pays
for little more than reading the files.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatch
from functools import cache
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from cluster_nlp.pathtext import path_text
from cluster_nlp.statuses import ErrorClass

if TYPE_CHECKING:
    from cluster_nlp.ingest.sandbox import ParseLimits

SUPPORTED_SUFFIXES = frozenset({".pdf", ".txt", ".md"})
HASH_CHUNK = 1 << 20
EXTRACTION_PACKAGES = ("pdfplumber", "pypdfium2", "py3langid")


class Outcome(StrEnum):
    INGESTED = "ingested"
    KNOWN = "known"
    FAILED = "failed"
    NEEDS_OCR = "needs_ocr"


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    outcome: Outcome
    document_id: str | None = None
    error: str | None = None
    error_class: ErrorClass | None = None

    @property
    def shown_path(self) -> str:
        """The path as text to print or store (``path`` opens the file)."""
        return path_text(self.path)


@dataclass
class IngestSummary:
    run_id: str
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.outcome.value for item in self.files)
        return {outcome.value: counted.get(outcome.value, 0) for outcome in Outcome}

    @property
    def failed(self) -> list[FileOutcome]:
        return [item for item in self.files if item.outcome is Outcome.FAILED]


class InputPathError(ValueError):
    """A path given by the user does not exist or is not a file or folder."""


class NotRegularFile(OSError):
    """A FIFO, device or socket: never opened, since reading one may block or never end."""


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop leads nowhere: kept, so its failure is recorded
        return True


def _walk(folder: Path, root: Path) -> Iterator[Path]:
    """Entries with a supported name below ``folder``, hidden ones left out, as ``rglob`` would
    list them: links to folders are not followed, and a link is kept only when it leads to a
    file inside ``root``. Only links are resolved (a ``resolve()`` per file was a tenth of a
    second per 600 files, most of an unchanged re-ingest's own work)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:  # a folder we may not read holds nothing we can ingest
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, root)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES and not (
            entry.is_symlink() and (path.is_dir() or not _inside(path, root))
        ):
            yield path


def chosen(relative: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether a file passes the user's globs: any ``include`` (all files when none), no
    ``exclude``. A glob matches the path below the folder given, or its end: ``*.pdf`` and
    ``pdf/*`` match ``corpus/pdf/a.pdf`` found under ``corpus``; ``**`` spans folders."""
    path = PurePosixPath(relative)

    def matches(pattern: str) -> bool:
        return path.match(pattern) or fnmatch(relative, pattern)

    return (not include or any(map(matches, include))) and not any(map(matches, exclude))


def discover(
    paths: Iterable[Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[Path]:
    """Supported files under ``paths`` (folders recursively), sorted, each once, that pass
    the ``include`` and ``exclude`` globs (see ``chosen``).

    Links that lead outside the folder they were found in are skipped, so a folder handed in
    cannot pull in files from elsewhere on the machine. Folders are walked, whatever their
    name; other entries with a supported name (FIFOs, devices, dangling or looping links) are
    listed, so that hashing them records why they cannot be read.
    """
    found: dict[Path, None] = {}
    for given in paths:
        if not given.is_dir():
            # A link or special file named on its own is listed: hashing it says what is wrong.
            if not (given.exists() or given.is_symlink()):
                raise InputPathError(f"no such file or folder: {given}")
            if chosen(given.as_posix(), include, exclude):
                found[given] = None
            continue
        for candidate in sorted(_walk(given, given.resolve())):
            if chosen(candidate.relative_to(given).as_posix(), include, exclude):
                found[candidate] = None
    return list(found)


@cache
def text_extractor_version() -> str:
    """A short hash of what decides a document's text: the ingestion code, its data files
    (thresholds, word lists) and the PDF packages. Read from the installed package, never
    from the working directory."""
    return extractor_version_of(Path(__file__).parent)


def extractor_version_of(package: Path) -> str:
    """``text_extractor_version`` of the ingest package in the folder ``package``."""
    digest = hashlib.sha256()
    for source in sorted([*package.glob("*.py"), *(package / "data").glob("*.yaml")]):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    for distribution in EXTRACTION_PACKAGES:
        digest.update(f"{distribution}=={version(distribution)}".encode())
    return f"text-{digest.hexdigest()[:12]}"


def parse_attempt(engine: str, limits: ParseLimits) -> dict:
    """The conditions of a parse that can decide whether it fails, kept with a failure."""
    return {"engine": engine, "timeout_s": limits.timeout_s, "memory_mb": limits.memory_mb}


def run_params(files: Sequence[Path], engine: str) -> dict:
    """What an ingest run records of what it was asked: its first 50 files and the engine."""
    return {"paths": [path_text(path) for path in files[:50]], "engine": engine}


def sha256_file(path: Path) -> str:
    """The file's SHA-256; ``OSError`` (``NotRegularFile`` included) when it cannot be read."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
        raise NotRegularFile(f"not a regular file: a {kind}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
