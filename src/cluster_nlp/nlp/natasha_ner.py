"""Adapter: natasha's slovnet NER (PER, LOC, ORG for Russian) as a spaCy component.

The slovnet model ships inside the ``natasha`` PyPI package, so nothing is downloaded. The
component keeps spaCy's split between computing (``predict``) and writing
(``set_annotations``); slovnet spans become ``doc.ents`` at once and go no further. They are
also kept, as slovnet found them, in the span group ``doc.spans[<component name>]``, so a
later component can see what the entity ruler overwrote (``org_boundaries`` restores an
organisation whose name holds a domain term).
"""

from __future__ import annotations

from functools import cache

from natasha import NewsEmbedding, NewsNERTagger
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from cluster_nlp.nlp.components import PredictThenAnnotate

CharSpan = tuple[int, int, str]


@cache
def _tagger() -> NewsNERTagger:
    # Loading the embeddings takes about a second: once per process.
    return NewsNERTagger(NewsEmbedding())


class NatashaNER(PredictThenAnnotate):
    def __init__(self, name: str, labels: list[str], batch_size: int) -> None:
        self.name = name
        self.labels = tuple(labels)
        self.batch_size = batch_size

    def predict(self, docs: list[Doc]) -> list[list[CharSpan]]:
        markups = _tagger().map([doc.text for doc in docs])
        return [
            [
                (span.start, span.stop, span.type)
                for span in markup.spans
                if span.type in self.labels
            ]
            for markup in markups
        ]

    def set_annotations(self, docs: list[Doc], predictions: list[list[CharSpan]]) -> None:
        for doc, spans in zip(docs, predictions, strict=True):
            found = [
                doc.char_span(start, end, label=label, alignment_mode="contract", span_id=self.name)
                for start, end, label in spans
            ]
            kept = [span for span in found if span is not None]
            doc.spans[self.name] = kept
            doc.ents = filter_spans([*doc.ents, *kept])


@Language.factory(
    "natasha_ner",
    default_config={"labels": ["PER", "LOC", "ORG"], "batch_size": 32},
    assigns=["doc.ents", "doc.spans"],
)
def make_natasha_ner(nlp: Language, name: str, labels: list[str], batch_size: int) -> NatashaNER:
    return NatashaNER(name, labels, batch_size)
