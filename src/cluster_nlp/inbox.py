"""The inbox a tagging run reads: a local folder, or any fsspec URL mirrored to a local one.

A scan lists the supported files with their content hash and whether the store knows those
bytes already, so a run can tell new files from known ones before ingesting anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from cluster_nlp.atomic_files import write_atomically
from cluster_nlp.ingest.files import (
    SUPPORTED_SUFFIXES,
    discover,
    sha256_file,
    text_extractor_version,
)
from cluster_nlp.ingest.sandbox import one_line
from cluster_nlp.pathtext import path_text
from cluster_nlp.store.documents import SessionFactory, known_ids, retryable_ids

MANIFEST = ".fetched.json"  # hidden, so `discover` never takes it for a document
logger = logging.getLogger(__name__)


class InboxError(ValueError):
    """The inbox does not exist or cannot be listed (one line)."""


@dataclass(frozen=True)
class InboxFile:
    path: str
    sha256: str | None  # None when the file could not be read; ingestion records why
    known: bool


def is_url(inbox: str) -> bool:
    return "://" in inbox


class UnsafeKeyError(ValueError):
    """A remote key that would land outside the mirror, or on its bookkeeping (one line)."""


def mirror_path(mirror: Path, relative: str) -> Path:
    """Where the remote file at ``relative`` (a key below the inbox's root) is kept locally.

    Keys come from a store someone else controls: one that is absolute, climbs with ``..``,
    holds a NUL or an empty segment, or names the manifest is refused, and whatever it
    resolves to must stay inside ``mirror`` (no link leads out).
    """
    segments = relative.split("/")
    if "\0" in relative or relative.startswith("/"):
        raise UnsafeKeyError(f"refused remote key {path_text(relative)!r}: not a relative name")
    if any(segment in ("", ".", "..") for segment in segments) or relative == MANIFEST:
        raise UnsafeKeyError(f"refused remote key {path_text(relative)!r}: leaves the mirror")
    local = mirror / relative
    if not local.resolve().is_relative_to(mirror.resolve()):
        raise UnsafeKeyError(f"refused remote key {path_text(relative)!r}: leads out of the mirror")
    return local


def check_inbox(inbox: str) -> None:
    """Refuse, in one line, an inbox that a scheduled run could never read: a local path that
    is not a folder, or a URL whose store cannot be reached or has no such folder."""
    if not is_url(inbox):
        if not Path(inbox).is_dir():
            raise InboxError(f"no such inbox folder: {inbox}")
        return
    try:
        fs, root = url_to_fs(inbox)
        found = fs.isdir(root)
    except (OSError, ValueError, ImportError) as error:
        raise InboxError(
            f"cannot reach inbox {inbox}: {one_line(f'{type(error).__name__}: {error}')}"
        ) from error
    if not found:
        raise InboxError(f"no such inbox folder: {inbox}")


def local_inbox(
    inbox: str, staging_dir: Path, on_refused: Callable[[str], None] = logger.warning
) -> Path:
    """A local folder with the inbox's files: the folder itself, or a mirror of a URL.

    Remote files are fetched only when their fsspec key (size, time, etag) changed since the
    last fetch; local copies of files gone from the inbox are removed. Every local path stays
    inside the mirror (``mirror_path``): a key that would not, or a file that cannot be
    fetched, is skipped with a one-line message to ``on_refused`` and the others go on.
    """
    if not is_url(inbox):
        folder = Path(inbox)
        if not folder.exists():
            raise InboxError(f"no such inbox: {inbox}")
        return folder
    try:
        fs, root = url_to_fs(inbox)
        if isinstance(fs, LocalFileSystem):
            return local_inbox(root, staging_dir, on_refused)
        remote_files = [
            path
            for path in sorted(fs.find(root))
            if PurePosixPath(path).suffix.lower() in SUPPORTED_SUFFIXES
        ]
    except (OSError, ValueError) as error:
        raise InboxError(f"cannot list inbox {inbox}: {error}") from error
    mirror = staging_dir / hashlib.sha256(inbox.encode()).hexdigest()[:16]
    mirror.mkdir(parents=True, exist_ok=True)
    manifest_path = mirror / MANIFEST
    fetched = json.loads(manifest_path.read_text("utf-8")) if manifest_path.is_file() else {}
    current: dict[str, str] = {}
    prefix = root.rstrip("/") + "/"
    for remote in remote_files:
        relative = remote[len(prefix) :] if remote.startswith(prefix) else remote
        try:
            local = mirror_path(mirror, relative)
            key = fs.ukey(remote)
            if fetched.get(relative) != key or not local.is_file():
                local.parent.mkdir(parents=True, exist_ok=True)
                partial = local.with_name(f".{local.name}.partial")
                fs.get_file(remote, str(partial))
                partial.replace(local)
        except UnsafeKeyError as error:
            on_refused(str(error))
            continue
        except OSError as error:
            on_refused(one_line(f"cannot fetch {path_text(remote)!r}: {error}"))
            if relative in fetched:  # keep the copy fetched before; the next run tries again
                current[relative] = "unfetched"
            continue
        current[relative] = key
    for relative in set(fetched) - set(current):
        try:
            mirror_path(mirror, relative).unlink(missing_ok=True)
        except UnsafeKeyError as error:  # a manifest written before keys were checked
            on_refused(str(error))
    write_atomically(manifest_path, json.dumps(current, indent=1, sort_keys=True))
    return mirror


def scan_inbox(
    folder: Path, sessions: SessionFactory, attempt: dict | None = None
) -> list[InboxFile]:
    """Every supported file under ``folder`` with its hash and whether the store has it.

    A stored failure that ingestion would try again (under this ``attempt``'s engine and
    limits, see ``parse_attempt``) does not count as known.
    """
    hashes: dict[Path, str | None] = {}
    for path in discover([folder]):
        try:
            hashes[path] = sha256_file(path)
        except OSError:
            hashes[path] = None
    digests = [digest for digest in hashes.values() if digest]
    known = known_ids(sessions, digests) - retryable_ids(
        sessions, digests, text_extractor_version(), attempt
    )
    return [
        InboxFile(path=str(path), sha256=digest, known=digest in known)
        for path, digest in hashes.items()
    ]
