"""Inboxes: a local folder as it is, an fsspec URL mirrored locally; scans tell new from known."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from cluster_nlp.inbox import MANIFEST, InboxError, local_inbox, scan_inbox
from cluster_nlp.records import DocumentStatus, ExtractedDocument
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
