"""The one error ingestion raises for a file it cannot read, filed under an ``ErrorClass``."""

from __future__ import annotations

from cluster_nlp.statuses import ErrorClass


class ExtractionError(Exception):
    """A file cannot be read: a one-line message that says why (stored as is) and its class.

    The class is chosen where the error is raised, where the cause is known; callers never
    guess it from the message.
    """

    def __init__(self, message: str, error_class: ErrorClass) -> None:
        super().__init__(" ".join(message.split()))
        self.error_class = ErrorClass(error_class)
