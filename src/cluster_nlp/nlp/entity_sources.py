"""Take each entity type from the source that finds it best: the rules or the trained ``ner``.

The rules (natasha, the entity ruler, ``org_boundaries``) are strong on places, organisations,
money and dates; the ``ner`` trained on the corpus annotations is stronger on technology areas
and named clusters, which no pretrained model knows. ``cluster-nlp train-ner`` measures each
type on held-out training documents and records, per type, which source wins:

- ``rules``: the spans the rules pipeline set;
- ``trained``: the spans the trained pipeline finds in the same text;
- ``combined``: the rules' spans, and the trained ones where no rules span lies.

The component runs last in the rules pipeline. It computes the spans (``predict``) apart from
writing them (``set_annotations``); spans it takes from the trained model carry its name as
span id, so stored entities still say which component found them. Where spans of two types
overlap, the longer one wins (spaCy's ``filter_spans``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from cluster_nlp.nlp.choices import SOURCES
from cluster_nlp.nlp.components import PredictThenAnnotate


class EntitySourceError(ValueError):
    """The per-type sources are malformed or the trained model is missing (one line)."""


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span.start < other.end and other.start < span.end for other in others)


class EntitySources(PredictThenAnnotate):
    def __init__(self, name: str, trained: Language, types: Mapping[str, str]) -> None:
        unknown = {source for source in types.values() if source not in SOURCES}
        if unknown:
            raise EntitySourceError(
                f"entity sources must be one of {', '.join(SOURCES)}, not {sorted(unknown)}"
            )
        self.name = name
        self.trained = trained
        self.types = dict(types)

    def _source(self, label: str) -> str:
        return self.types.get(label, "rules")

    def predict(self, docs: list[Doc]) -> list[list[Span]]:
        predictions = []
        found = self.trained.pipe(doc.text for doc in docs)
        for doc, trained_doc in zip(docs, found, strict=True):
            rules = [span for span in doc.ents if self._source(span.label_) != "trained"]
            chosen = list(rules)
            for span in trained_doc.ents:
                source = self._source(span.label_)
                if source == "rules" or (source == "combined" and _overlaps(span, rules)):
                    continue
                mapped = doc.char_span(
                    span.start_char, span.end_char, label=span.label_, span_id=self.name
                )
                if mapped is not None:
                    chosen.append(mapped)
            predictions.append(filter_spans(chosen))
        return predictions

    def set_annotations(self, docs: list[Doc], predictions: list[list[Span]]) -> None:
        for doc, spans in zip(docs, predictions, strict=True):
            doc.ents = spans


@Language.factory(
    "entity_sources",
    default_config={"model": "", "types": {}},
    assigns=["doc.ents"],
    requires=["doc.ents"],
)
def make_entity_sources(
    nlp: Language, name: str, model: str, types: dict[str, str]
) -> EntitySources:
    """``model``: the trained pipeline's folder; ``types``: entity type -> source."""
    if not (Path(model) / "config.cfg").is_file():
        raise EntitySourceError(f"entity_sources needs a trained spaCy pipeline: {model!r}")
    return EntitySources(name, spacy.load(model), types)
