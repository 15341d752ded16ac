"""Inboxes: a local folder as it is, an fsspec URL mirrored locally; scans tell new from known."""

from __future__ import annotations

import json
import os
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from cluster_nlp.inbox import (
    MANIFEST,
    InboxError,
    UnsafeKeyError,
    local_inbox,
    mirror_path,
    scan_inbox,
)
from cluster_nlp.records import ExtractedDocument
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import save_document


@pytest.fixture
def remote(tmp_path: Path) -> str:
    url = f"memory://inbox-{tmp_path.name}"
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{url}/a.md", b"# A\n\nText.\n")
    fs.pipe(f"{url}/sub/b.pdf", b"%PDF-1.4 not really\n")
    fs.pipe(f"{url}/notes.docx", b"not ours")
    yield url
    fs.rm(url, recursive=True)


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The remote paths each mirroring downloads."""
    calls: list[str] = []
    original = MemoryFileSystem.get_file

    def spy(self, remote_path, local_path, **kwargs):
        calls.append(remote_path.rsplit("/", 1)[-1])
        return original(self, remote_path, local_path, **kwargs)

    monkeypatch.setattr(MemoryFileSystem, "get_file", spy)
    return calls


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_local_folder_is_used_where_it_is(tmp_path: Path):
    assert local_inbox(str(tmp_path), tmp_path / "staging") == tmp_path
    assert local_inbox(f"file://{tmp_path}", tmp_path / "staging") == tmp_path
    with pytest.raises(InboxError, match="no such inbox"):
        local_inbox(str(tmp_path / "missing"), tmp_path / "staging")


def test_a_url_is_mirrored_fetching_only_what_changed(remote: str, fetched, tmp_path: Path):
    mirror = local_inbox(remote, tmp_path / "staging")
    assert files_under(mirror) == [MANIFEST, "a.md", "sub/b.pdf"]
    assert sorted(fetched) == ["a.md", "b.pdf"]

    fetched.clear()
    assert local_inbox(remote, tmp_path / "staging") == mirror
    assert fetched == []  # nothing changed, nothing fetched

    fs = fsspec.filesystem("memory")
    fs.pipe(f"{remote}/a.md", b"# A\n\nText, revised.\n")
    fs.rm(f"{remote}/sub/b.pdf")
    local_inbox(remote, tmp_path / "staging")
    assert fetched == ["a.md"]
    assert files_under(mirror) == [MANIFEST, "a.md"]
    assert (mirror / "a.md").read_text() == "# A\n\nText, revised.\n"


def test_scan_tells_known_bytes_from_new(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "old.txt").write_text("stored before\n", "utf-8")
    (inbox / "new.md").write_text("# New\n", "utf-8")
    (inbox / "skip.docx").write_text("not ours", "utf-8")
    sessions = open_store(f"sqlite:///{tmp_path}/store.db")
    scanned = {Path(item.path).name: item for item in scan_inbox(inbox, sessions)}
    save_document(
        sessions,
        ExtractedDocument(
            path="old.txt", sha256=scanned["old.txt"].sha256, status=DocumentStatus.OK, text="x"
        ),
        size_bytes=14,
    )
    again = {Path(item.path).name: item.known for item in scan_inbox(inbox, sessions)}
    assert set(scanned) == {"old.txt", "new.md"}
    assert again == {"old.txt": True, "new.md": False}


# Keys a remote store may list: each would put a file outside the mirror, or two keys on one
# file, or touch the manifest. "escape" is where the old code wrote it, relative to the mirror.
HOSTILE_KEYS = [
    "sub/../../escaped.md",
    "../../../escaped-too.md",
    "a/../inside-but-climbing.md",
    "sub//double-slash.md",
    "./dot.md",
    "nul\0.md",
]


def outside(folder: Path, mirror: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_relative_to(mirror)
    )


def test_remote_keys_that_leave_the_mirror_are_refused_and_the_rest_mirrored(
    remote: str, tmp_path: Path
):
    fs = fsspec.filesystem("memory")
    for key in HOSTILE_KEYS:
        fs.pipe(f"{remote}/{key}", b"# planted\n")
    staging = tmp_path / "deep" / "staging"
    refused: list[str] = []
    mirror = local_inbox(remote, staging, on_refused=refused.append)

    assert files_under(mirror) == [MANIFEST, "a.md", "sub/b.pdf"]
    assert outside(tmp_path, mirror) == []
    assert len(refused) == len(HOSTILE_KEYS)
    assert all(line.startswith("refused remote key") and "\n" not in line for line in refused)
    assert set(json.loads((mirror / MANIFEST).read_text("utf-8"))) == {"a.md", "sub/b.pdf"}


def test_a_stale_key_never_deletes_outside_the_mirror(remote: str, tmp_path: Path):
    staging = tmp_path / "staging"
    mirror = local_inbox(remote, staging)
    victim = tmp_path / "victim.md"
    victim.write_text("someone's file\n", "utf-8")
    manifest = json.loads((mirror / MANIFEST).read_text("utf-8"))
    planted = os.path.relpath(victim, mirror)  # ../../victim.md
    (mirror / MANIFEST).write_text(json.dumps({**manifest, planted: "old"}), "utf-8")
    refused: list[str] = []
    local_inbox(remote, staging, on_refused=refused.append)
    assert victim.read_text("utf-8") == "someone's file\n"
    assert len(refused) == 1 and "victim.md" in refused[0]


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("a.md", True),
        ("deep/er/b.pdf", True),
        ("with space [1].md", True),
        ("/etc/passwd.md", False),
        ("sub/../../x.md", False),
        ("..", False),
        ("", False),
        (MANIFEST, False),
        ("link/x.md", False),  # a folder in the mirror that links out
    ],
)
def test_mirror_path_keeps_every_key_inside_the_mirror(tmp_path: Path, key: str, allowed: bool):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "link").symlink_to(tmp_path)
    if allowed:
        assert mirror_path(mirror, key) == mirror / key
    else:
        with pytest.raises(UnsafeKeyError, match="refused remote key"):
            mirror_path(mirror, key)


def test_a_file_that_cannot_be_fetched_keeps_its_copy_and_the_rest_go_on(
    remote: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    staging = tmp_path / "staging"
    mirror = local_inbox(remote, staging)
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{remote}/a.md", b"# A\n\nRevised.\n")
    fs.pipe(f"{remote}/c.md", b"# C\n")
    original = MemoryFileSystem.get_file

    def refuse_a(self, remote_path, local_path, **kwargs):
        if remote_path.endswith("/a.md"):
            raise OSError("connection reset")
        return original(self, remote_path, local_path, **kwargs)

    monkeypatch.setattr(MemoryFileSystem, "get_file", refuse_a)
    refused: list[str] = []
    local_inbox(remote, staging, on_refused=refused.append)
    assert files_under(mirror) == [MANIFEST, "a.md", "c.md", "sub/b.pdf"]
    assert (mirror / "a.md").read_text() == "# A\n\nText.\n"  # the copy fetched before
    assert len(refused) == 1 and "a.md" in refused[0] and "connection reset" in refused[0]

    monkeypatch.setattr(MemoryFileSystem, "get_file", original)
    local_inbox(remote, staging)
    assert (mirror / "a.md").read_text() == "# A\n\nRevised.\n"  # tried again next time
