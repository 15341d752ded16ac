"""Paths as text: any file name becomes valid one-line UTF-8 that says which bytes it had."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cluster_nlp.pathtext import path_text, valid_text


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"plain.pdf", "plain.pdf"),
        ("отчёт.pdf".encode(), "отчёт.pdf"),
        (b"bad\xff\xfe.pdf", "bad\\xff\\xfe.pdf"),
        ("cp1251-отчёт.pdf".encode("cp1251"), "cp1251-\\xee\\xf2\\xf7\\xb8\\xf2.pdf"),
        (b"two\nlines.md", "two\\nlines.md"),
        (b"tab\there\r.md", "tab\\there\\r.md"),
        (b"bell\x07.md", "bell\\x07.md"),
        (b'quoted "name" [draft].pdf', 'quoted "name" [draft].pdf'),
    ],
)
def test_every_file_name_is_shown_as_valid_one_line_text(tmp_path: Path, name: bytes, shown: str):
    path = os.path.join(os.fsencode(tmp_path), name)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT))
    (found,) = tmp_path.iterdir()  # the name as Python hands it over, which opens the file
    assert found.read_bytes() == b""
    assert path_text(found.name) == path_text(name) == shown
    assert shown.encode("utf-8").decode("utf-8") == shown and "\n" not in shown
    assert path_text(shown) == shown  # already text: unchanged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fine text\nwith lines", "fine text\nwith lines"),
        ("cannot read bad\udcff.pdf", "cannot read bad\\xff.pdf"),
        ("a lone \ud800 from a PDF", "a lone \\ud800 from a PDF"),
    ],
)
def test_valid_text_escapes_only_what_utf8_refuses(text: str, expected: str):
    assert valid_text(text) == expected
    expected.encode("utf-8")
