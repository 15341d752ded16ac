"""Ingest files and folders into the store, each distinct file once.

The content hash is taken before any parsing, so an unchanged folder costs one read of each
file and one query; only new bytes reach the parser workers. Every file ends with an outcome
that the summary counts, and a bad file never stops the run.
"""

from __future__ import annotations

import hashlib
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatch
from functools import cache
from importlib.metadata import version
from pathlib import Path, PurePosixPath

from cluster_nlp.ingest.sandbox import ParseLimits, one_line, parse_files
from cluster_nlp.pathtext import path_text
from cluster_nlp.records import DocumentStatus, ErrorClass
from cluster_nlp.store.documents import (
    SessionFactory,
    failed_document,
    finish_run,
    known_ids,
    remember_paths,
    retryable_ids,
    save_document,
    start_run,
)

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
        root = given.resolve()
        for candidate in sorted(given.rglob("*")):
            if candidate.suffix.lower() not in SUPPORTED_SUFFIXES or candidate.is_dir():
                continue
            if any(part.startswith(".") for part in candidate.relative_to(given).parts):
                continue
            if not _inside(candidate, root):
                continue
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


def ingest(
    paths: Iterable[Path],
    sessions: SessionFactory,
    engine: str = "auto",
    limits: ParseLimits | None = None,
    on_total: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> IngestSummary:
    limits = limits or ParseLimits()
    files = discover(paths, include, exclude)
    if on_total:
        on_total(len(files))
    run_id = start_run(
        sessions, "ingest", {"paths": [path_text(p) for p in files[:50]], "engine": engine}
    )
    summary = IngestSummary(run_id=run_id)

    def record(item: FileOutcome) -> None:
        summary.files.append(item)
        if on_file:
            on_file(item)

    hashes: dict[Path, str] = {}
    for path in files:
        try:
            hashes[path] = sha256_file(path)
        except OSError as error:
            # A listed path that cannot be opened (a FIFO, a dangling link) is no document.
            message = one_line(f"cannot read: {error.strerror or error}")
            record(
                FileOutcome(path, Outcome.FAILED, error=message, error_class=ErrorClass.UNSUPPORTED)
            )

    extractor = text_extractor_version()
    attempt = parse_attempt(engine, limits)
    stored = known_ids(sessions, hashes.values()) - retryable_ids(
        sessions, hashes.values(), extractor, attempt
    )
    # Files with the same bytes are parsed once, as the first of them; the others are
    # recorded as further paths of that document when it is stored.
    to_parse: dict[str, list[Path]] = {}
    seen_again: dict[str, list[str]] = {}
    for path, digest in hashes.items():
        if digest in stored:
            seen_again.setdefault(digest, []).append(path_text(path))
        else:
            to_parse.setdefault(digest, []).append(path)
    remember_paths(sessions, seen_again)
    for path, digest in hashes.items():
        if digest in stored:
            record(FileOutcome(path, Outcome.KNOWN, document_id=digest))

    by_path = {paths[0]: digest for digest, paths in to_parse.items()}
    for result in parse_files(list(by_path), engine, limits):
        digest = by_path[result.path]
        copies = to_parse[digest][1:]
        shown = path_text(result.path)
        document = result.document or failed_document(
            shown, digest, result.error, result.error_class
        )
        document = document.model_copy(update={"path": shown, "sha256": digest})
        saved = save_document(
            sessions,
            document,
            result.path.stat().st_size,
            extractor,
            also_seen_at=[path_text(copy) for copy in copies],
            attempt=attempt,
        )
        for copy in copies:
            record(FileOutcome(copy, Outcome.KNOWN, document_id=digest))
        if not saved:
            record(FileOutcome(result.path, Outcome.KNOWN, document_id=digest))
            continue
        outcome = {
            DocumentStatus.OK: Outcome.INGESTED,
            DocumentStatus.FAILED: Outcome.FAILED,
            DocumentStatus.NEEDS_OCR: Outcome.NEEDS_OCR,
        }[document.status]
        record(
            FileOutcome(
                result.path,
                outcome,
                document_id=digest,
                error=document.error,
                error_class=document.error_class,
            )
        )

    finish_run(sessions, run_id, "failed" if summary.failed else "ok", summary.counts)
    return summary
