"""Output files replaced whole: a reader sees the old file or the new one, never a part.

A run that fails while writing (a full disk, a value that cannot be encoded, a kill) leaves the
previous output in place instead of a truncated or empty file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it replaces ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Hidden, in the same folder (os.replace is atomic within one file system), and created
    # with open(2) so it gets the umask's permissions like any other output file.
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield partial
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` in one step."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(path) as partial:
        partial.write_bytes(data)
