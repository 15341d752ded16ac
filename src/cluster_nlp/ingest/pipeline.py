"""Ingest files and folders into the store, each distinct file once.

The content hash is taken before any parsing, so an unchanged folder costs one read of each
file and one query; only new bytes reach the parser workers. Every file ends with an outcome
that the summary counts, and a bad file never stops the run.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib.metadata import version
from pathlib import Path

from cluster_nlp.ingest.sandbox import ParseLimits, one_line, parse_files
from cluster_nlp.pathtext import path_text
from cluster_nlp.records import DocumentStatus
from cluster_nlp.store.documents import (
    SessionFactory,
    failed_document,
    finish_run,
    known_ids,
    remember_path,
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


def discover(paths: Iterable[Path]) -> list[Path]:
    """Supported files under ``paths`` (folders recursively), sorted, each once.

    Links that lead outside the folder they were found in are skipped, so a folder handed in
    cannot pull in files from elsewhere on the machine.
    """
    found: dict[Path, None] = {}
    for given in paths:
        if given.is_file():
            found[given] = None
            continue
        if not given.is_dir():
            raise InputPathError(f"no such file or folder: {given}")
        root = given.resolve()
        for candidate in sorted(given.rglob("*")):
            if candidate.suffix.lower() not in SUPPORTED_SUFFIXES or not candidate.is_file():
                continue
            if any(part.startswith(".") for part in candidate.relative_to(given).parts):
                continue
            if not candidate.resolve().is_relative_to(root):
                continue
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
) -> IngestSummary:
    limits = limits or ParseLimits()
    files = discover(paths)
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
            record(FileOutcome(path, Outcome.FAILED, error=one_line(f"cannot read: {error}")))

    extractor = text_extractor_version()
    attempt = parse_attempt(engine, limits)
    stored = known_ids(sessions, hashes.values()) - retryable_ids(
        sessions, hashes.values(), extractor, attempt
    )
    # Files with the same bytes are parsed once, as the first of them; the others are
    # recorded as further paths of that document when it is stored.
    to_parse: dict[str, list[Path]] = {}
    for path, digest in hashes.items():
        if digest in stored:
            remember_path(sessions, digest, path_text(path))
            record(FileOutcome(path, Outcome.KNOWN, document_id=digest))
        else:
            to_parse.setdefault(digest, []).append(path)

    by_path = {paths[0]: digest for digest, paths in to_parse.items()}
    for result in parse_files(list(by_path), engine, limits):
        digest = by_path[result.path]
        copies = to_parse[digest][1:]
        shown = path_text(result.path)
        document = result.document or failed_document(shown, digest, result.error)
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
        record(FileOutcome(result.path, outcome, document_id=digest, error=document.error))

    finish_run(sessions, run_id, "failed" if summary.failed else "ok", summary.counts)
    return summary
