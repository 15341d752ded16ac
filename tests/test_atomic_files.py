"""Output files are replaced whole: a failed write leaves the previous file, never a stub."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster_nlp.atomic_files import replacing, write_atomically


def test_a_write_replaces_the_file_and_leaves_no_partial(tmp_path: Path):
    target = tmp_path / "out" / "summary.md"
    write_atomically(target, "first\n")
    write_atomically(target, "второй\n")
    assert target.read_text("utf-8") == "второй\n"
    assert [path.name for path in target.parent.iterdir()] == ["summary.md"]


@pytest.mark.parametrize(
    "content",
    ["undecodable name bad\udcff.pdf", "a lone \ud800"],
    ids=["surrogate-escape", "lone-surrogate"],
)
def test_content_that_cannot_be_written_leaves_the_old_file(tmp_path: Path, content: str):
    target = tmp_path / "summary.md"
    write_atomically(target, "previous run\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, content)
    assert target.read_text("utf-8") == "previous run\n"
    assert [path.name for path in tmp_path.iterdir()] == ["summary.md"]


def test_a_writer_that_fails_halfway_leaves_the_old_file(tmp_path: Path):
    target = tmp_path / "tags.parquet"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(target) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [path.name for path in tmp_path.iterdir()] == ["tags.parquet"]
