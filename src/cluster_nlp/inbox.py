"""The inbox a tagging run reads: a local folder, or any fsspec URL mirrored to a local one.

A scan lists the supported files with their content hash and whether the store knows those
bytes already, so a run can tell new files from known ones before ingesting anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from cluster_nlp.ingest.pipeline import (
    SUPPORTED_SUFFIXES,
    discover,
    sha256_file,
    text_extractor_version,
)
from cluster_nlp.store.documents import SessionFactory, known_ids, retryable_ids

MANIFEST = ".fetched.json"  # hidden, so `discover` never takes it for a document


class InboxError(ValueError):
    """The inbox does not exist or cannot be listed (one line)."""


@dataclass(frozen=True)
class InboxFile:
    path: str
    sha256: str | None  # None when the file could not be read; ingestion records why
    known: bool


def is_url(inbox: str) -> bool:
    return "://" in inbox


def local_inbox(inbox: str, staging_dir: Path) -> Path:
    """A local folder with the inbox's files: the folder itself, or a mirror of a URL.

    Remote files are fetched only when their fsspec key (size, time, etag) changed since the
    last fetch; local copies of files gone from the inbox are removed.
    """
    if not is_url(inbox):
        folder = Path(inbox)
        if not folder.exists():
            raise InboxError(f"no such inbox: {inbox}")
        return folder
    try:
        fs, root = url_to_fs(inbox)
        if isinstance(fs, LocalFileSystem):
            return local_inbox(root, staging_dir)
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
    for remote in remote_files:
        relative = PurePosixPath(remote).relative_to(PurePosixPath(root).as_posix()).as_posix()
        key = fs.ukey(remote)
        local = mirror / relative
        if fetched.get(relative) != key or not local.is_file():
            local.parent.mkdir(parents=True, exist_ok=True)
            partial = local.with_name(f".{local.name}.partial")
            fs.get_file(remote, str(partial))
            partial.replace(local)
        current[relative] = key
    for relative in set(fetched) - set(current):
        (mirror / relative).unlink(missing_ok=True)
    manifest_path.write_text(json.dumps(current, indent=1, sort_keys=True), "utf-8")
    return mirror


def scan_inbox(folder: Path, sessions: SessionFactory) -> list[InboxFile]:
    """Every supported file under ``folder`` with its hash and whether the store has it."""
    hashes: dict[Path, str | None] = {}
    for path in discover([folder]):
        try:
            hashes[path] = sha256_file(path)
        except OSError:
            hashes[path] = None
    digests = [digest for digest in hashes.values() if digest]
    known = known_ids(sessions, digests) - retryable_ids(
        sessions, digests, text_extractor_version()
    )
    return [
        InboxFile(path=str(path), sha256=digest, known=digest in known)
        for path, digest in hashes.items()
    ]
