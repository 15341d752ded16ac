"""What every project spaCy component shares: compute (``predict``) apart from writing
(``set_annotations``), as spaCy's trainable pipes do, with ``__call__`` and ``pipe`` built on
the two."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc
from spacy.util import minibatch


class PredictThenAnnotate:
    """A component whose subclass says what it finds in a batch and how that is written."""

    batch_size = 64

    def predict(self, docs: list[Doc]) -> list[Any]:
        raise NotImplementedError

    def set_annotations(self, docs: list[Doc], predictions: list[Any]) -> None:
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch
