"""File names as text: whatever is stored, written or printed is valid, one-line UTF-8.

A POSIX file name is any bytes but ``/`` and NUL. Python hands them over as ``str`` with each
undecodable byte as a lone surrogate (PEP 383): that form opens the file, so it is the one kept
for file system access, but a database, a CSV, a Markdown file or a terminal refuses it. Every
path that leaves the process goes through ``path_text`` instead, which shows an undecodable
byte as ``\\xNN`` and a control character (a newline in a name) as its escape, the way ``ls``
quotes them. The shown form is not meant to be turned back into a file name.
"""

from __future__ import annotations

import os

_CONTROL_ESCAPES = {
    **{code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate written as an escape, so it always encodes as UTF-8."""
    try:
        # Surrogates that stand for undecodable bytes come back as those bytes, shown \xNN.
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # other lone surrogates (from a PDF's text, say): \udXXX
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def path_text(path: str | bytes | os.PathLike) -> str:
    """The form of a path to store, write and print: valid UTF-8 on one line."""
    return valid_text(os.fsdecode(path)).translate(_CONTROL_ESCAPES)
