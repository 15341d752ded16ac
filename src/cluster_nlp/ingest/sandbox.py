"""Parse files in worker processes so a hang, a crash or a memory blow-up costs one file.

Workers come from a pebble ``ProcessPool``: a task that runs past its time limit has its
worker killed and replaced, and each worker caps its own address space, so a parser that
allocates without bound gets a ``MemoryError`` instead of taking the machine down.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from cluster_nlp.ingest import ExtractionError, extract
from cluster_nlp.pathtext import valid_text
from cluster_nlp.records import ExtractedDocument


@dataclass(frozen=True)
class ParseLimits:
    timeout_s: float = 120.0
    memory_mb: int = 1024
    workers: int = 2
    ocr: bool = True  # Tesseract for pages without a usable text layer, when installed


@dataclass(frozen=True)
class ParseResult:
    path: Path
    document: ExtractedDocument | None
    error: str | None


def _cap_memory(memory_mb: int) -> None:
    """Allow the worker ``memory_mb`` of address space beyond what it holds when it starts.

    Workers are forked from the caller, whose imports (spaCy, Prefect, ...) already take a
    large address space; a fixed cap would starve a worker of a heavy parent.
    """
    in_use = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    limit = in_use + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _parse(path: Path, engine: str, ocr: bool = True) -> ExtractedDocument | str:
    try:
        return extract(path, engine=engine, ocr=ocr)
    except ExtractionError as error:
        return str(error)
    except MemoryError:
        return "out of memory: the file needs more than the worker's memory cap"
    except RecursionError:
        return "malformed PDF: structure nests too deeply to parse"


def one_line(message: str) -> str:
    """An error message as one line of valid text (it may quote an undecodable file name)."""
    return valid_text(" ".join(message.split()))[:500]


Parser = Callable[[Path, str, bool], ExtractedDocument | str]


def parse_files(
    paths: list[Path], engine: str, limits: ParseLimits, parse: Parser = _parse
) -> Iterator[ParseResult]:
    """Yield one result per path, in completion order; never raises for a bad file.

    ``parse`` runs in the worker and must be a module-level function (it is pickled by name).
    """
    if not paths:
        return
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
            except FutureTimeout:
                outcome = f"timed out: parsing took longer than {limits.timeout_s:g} s"
            except ProcessExpired as error:
                outcome = f"parser crashed (exit code {error.exitcode})"
            except Exception as error:  # the boundary of third-party parsers: record, go on
                outcome = f"{type(error).__name__}: {error}"
            if isinstance(outcome, str):
                yield ParseResult(path=path, document=None, error=one_line(outcome))
            else:
                yield ParseResult(path=path, document=outcome, error=None)
