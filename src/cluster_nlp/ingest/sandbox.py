"""Parse files in worker processes so a hang, a crash or a memory blow-up costs one file.

Workers come from a pebble ``ProcessPool``: a task that runs past its time limit has its
worker killed and replaced, and each worker caps its own address space, so a parser that
allocates without bound gets a ``MemoryError`` instead of taking the machine down. A file
larger than ``max_file_mb`` is refused before any worker reads it. Every failure comes back
as a one-line message with its ``ErrorClass``.
"""

from __future__ import annotations

import resource
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cluster_nlp.ingest.errors import ExtractionError
from cluster_nlp.pathtext import valid_text
from cluster_nlp.statuses import ErrorClass

if TYPE_CHECKING:
    from cluster_nlp.records import ExtractedDocument


@dataclass(frozen=True)
class ParseLimits:
    timeout_s: float = 120.0
    memory_mb: int = 1024
    workers: int = 2
    ocr: bool = True  # Tesseract for pages without a usable text layer, when installed
    max_file_mb: int = 512  # a worker holds the file's bytes (and copies), so keep it under


@dataclass(frozen=True)
class ParseFailure:
    """Why a worker could not read a file. Sent back as plain data: an exception would be
    pickled with its chain, which some installed pickling hooks cannot do."""

    message: str
    error_class: ErrorClass


@dataclass(frozen=True)
class ParseResult:
    path: Path
    document: ExtractedDocument | None
    error: str | None
    error_class: ErrorClass | None = None


def _cap_memory(memory_mb: int) -> None:
    """Allow the worker ``memory_mb`` of address space beyond what it holds when it starts.

    Workers are forked from the caller, whose imports (spaCy, Prefect, ...) already take a
    large address space; a fixed cap would starve a worker of a heavy parent.
    """
    in_use = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    limit = in_use + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _parse(path: Path, engine: str, ocr: bool = True) -> ExtractedDocument | ParseFailure:
    # Imported in the worker, on its first file: a caller with nothing to parse (an unchanged
    # folder) never loads the PDF engines, nor holds them in its own memory.
    from cluster_nlp.ingest.extraction import extract

    try:
        return extract(path, engine=engine, ocr=ocr)
    except (ExtractionError, MemoryError, RecursionError) as error:
        # Classified here, so only plain data crosses back to the parent.
        return _raised(error)


def _raised(error: Exception) -> ParseFailure:
    """What a parser raised, as a one-line reason with its class."""
    if isinstance(error, ExtractionError):
        return ParseFailure(str(error), error.error_class)
    if isinstance(error, MemoryError):
        message = "out of memory: the file needs more than the worker's memory cap"
        return ParseFailure(message, ErrorClass.RESOURCE_LIMIT)
    if isinstance(error, RecursionError):
        message = "malformed PDF: structure nests too deeply to parse"
        return ParseFailure(message, ErrorClass.RESOURCE_LIMIT)
    # The boundary of third-party parsers: whatever else they raise comes from the file.
    return ParseFailure(f"{type(error).__name__}: {error}", ErrorClass.CORRUPT)


def _failure(error: Exception, limits: ParseLimits) -> ParseFailure:
    """How a worker's task ended badly, as a one-line reason with its class."""
    from pebble import ProcessExpired  # loaded already: only the pool's tasks end here

    if isinstance(error, FutureTimeout):
        message = f"timed out: parsing took longer than {limits.timeout_s:g} s"
        return ParseFailure(message, ErrorClass.TIMEOUT)
    if isinstance(error, ProcessExpired):
        # SIGKILL comes from the kernel's out-of-memory killer, SIGABRT from PDFium when an
        # allocation fails under the worker's cap (a decompression bomb); any other death is
        # the parser failing on the file's contents.
        out_of_memory = error.exitcode in (-signal.SIGKILL, -signal.SIGABRT)
        kind = ErrorClass.RESOURCE_LIMIT if out_of_memory else ErrorClass.CORRUPT
        return ParseFailure(f"parser crashed (exit code {error.exitcode})", kind)
    return _raised(error)


def _too_large(path: Path, limits: ParseLimits) -> ParseFailure | None:
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the worker reports why it cannot read the file
    if size <= limits.max_file_mb * 1024 * 1024:
        return None
    message = f"file too large: {size / 1024**2:.0f} MB, the limit is {limits.max_file_mb} MB"
    return ParseFailure(message, ErrorClass.TOO_LARGE)


def one_line(message: str) -> str:
    """An error message as one line of valid text (it may quote an undecodable file name)."""
    return valid_text(" ".join(message.split()))[:500]


Parser = Callable[[Path, str, bool], "ExtractedDocument | ParseFailure"]


def parse_files(
    paths: list[Path], engine: str, limits: ParseLimits, parse: Parser = _parse
) -> Iterator[ParseResult]:
    """Yield one result per path, in completion order; never raises for a bad file.

    ``parse`` runs in the worker and must be a module-level function (it is pickled by name).
    """
    refused = {path: error for path in paths if (error := _too_large(path, limits))}
    for path, error in refused.items():
        message = one_line(error.message)
        yield ParseResult(path=path, document=None, error=message, error_class=error.error_class)
    paths = [path for path in paths if path not in refused]
    if not paths:
        return
    # Imported here: a command that parses nothing (an unchanged re-ingest) never loads it.
    from pebble import ProcessPool

    with ProcessPool(
        max_workers=min(limits.workers, len(paths)),
        initializer=_cap_memory,
        initargs=(limits.memory_mb,),
    ) as pool:
        futures = {
            pool.schedule(parse, args=(path, engine, limits.ocr), timeout=limits.timeout_s): path
            for path in paths
        }
        for future in as_completed(futures):
            path = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # a worker's failure is the file's, never the run's
                outcome = _failure(error, limits)
            if isinstance(outcome, ParseFailure):
                yield ParseResult(
                    path=path,
                    document=None,
                    error=one_line(outcome.message),
                    error_class=outcome.error_class,
                )
            else:
                yield ParseResult(path=path, document=outcome, error=None)
