"""The one error ingestion raises for a file it cannot read."""

from __future__ import annotations


class ExtractionError(Exception):
    """A file cannot be read: the message is one line that says why (it is stored as is)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
