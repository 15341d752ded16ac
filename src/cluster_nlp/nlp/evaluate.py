"""How well an entity pipeline finds the corpus's gold spans: exact and overlap P/R/F1, regions.

Gold spans carry offsets into the markdown source (``corpus/src/<id>.md``). The pipeline runs
on that same text, segment by segment (a line, or a table cell), with the markdown syntax
blanked out by spaces of the same length: offsets need no mapping, and spaCy never sees
``#``, ``|`` or ``[^1]``.

Matching:
- exact: same start, end and label;
- overlap: a predicted span counts as right if it overlaps a gold span of its label, and a
  gold span as found if a predicted span of its label overlaps it.
Region normalisation: for gold LOC spans whose own text the gazetteer resolves to a Russian
federal subject (that resolution is the expected value), the share where a predicted LOC span
overlapping it normalises to the same subject. A gold span with no such prediction counts as
wrong, so the figure measures what an analyst counting clusters per region gets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from spacy.language import Language

from cluster_nlp.corpus.schema import CorpusError, read_label_records
from cluster_nlp.nlp.acronyms import recurring_acronyms
from cluster_nlp.nlp.extract import normalized_value
from cluster_nlp.nlp.noise import kept
from cluster_nlp.nlp.normalize import normalize_location

SPLITS = ("train", "test", "all")
ALL_LABELS = "ALL"

_HEADING = re.compile(r"^#{1,3}\s+")
_LIST_ITEM = re.compile(r"^(?:[-*]|\d+[.)])\s+")
_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]\s]+\]:\s*")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")
_TABLE_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")


class Mention(NamedTuple):
    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True)
class GoldDocument:
    doc_id: str
    lang: str
    split: str
    text: str
    mentions: tuple[Mention, ...]


def load_gold_documents(labels_path: Path, split: str = "test") -> list[GoldDocument]:
    """Documents of ``split`` that have entity annotations, with their markdown source."""
    if split not in SPLITS:
        raise CorpusError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    corpus_dir = labels_path.parent
    documents = []
    for record in read_label_records(labels_path):
        if record.entities is None or (split != "all" and record.split.value != split):
            continue
        source = corpus_dir / record.source
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as error:
            raise CorpusError(f"cannot read {source}: {error.strerror}") from error
        mentions = tuple(Mention(e.start, e.end, e.label, e.text) for e in record.entities)
        for mention in mentions:
            if text[mention.start : mention.end] != mention.text:
                raise CorpusError(f"{record.doc_id}: span {mention} does not match {source}")
        documents.append(
            GoldDocument(record.doc_id, record.lang, record.split.value, text, mentions)
        )
    return documents


# --- running a pipeline on markdown -----------------------------------------------------------


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _line_segments(line: str) -> list[tuple[int, str]]:
    """(offset in line, text) pieces of one markdown line, syntax blanked, same length."""
    if _TABLE_SEPARATOR.match(line.strip()):
        return []
    if line.lstrip().startswith("|"):
        pieces, offset = [], 0
        for cell in line.split("|"):
            pieces.append((offset, cell))
            offset += len(cell) + 1
    else:
        for syntax in (_HEADING, _LIST_ITEM, _FOOTNOTE_DEFINITION):
            line = syntax.sub(_blank, line, count=1)
        pieces = [(0, line)]
    return [(offset, _FOOTNOTE_REF.sub(_blank, piece)) for offset, piece in pieces]


def markdown_segments(text: str) -> list[tuple[int, str]]:
    """(start offset in ``text``, segment text) for every non-blank line or table cell."""
    segments = []
    line_start = 0
    for line in text.split("\n"):
        for offset, piece in _line_segments(line):
            stripped = piece.strip()
            if stripped:
                leading = len(piece) - len(piece.lstrip())
                segments.append((line_start + offset + leading, stripped))
        line_start += len(line) + 1
    return segments


def predict_mentions(nlp: Language, text: str, batch_size: int = 64) -> list[Mention]:
    """The pipeline's entities in markdown ``text``, with offsets into ``text``, read as
    extraction reads a document: segment by segment, then acronyms across segments, then
    noise dropped."""
    segments = markdown_segments(text)
    docs = nlp.pipe((segment for _, segment in segments), batch_size=batch_size)
    found = [[(s.start_char, s.end_char, s.label_) for s in doc.ents] for doc in docs]
    texts = [segment for _, segment in segments]
    for spans, extra in zip(found, recurring_acronyms(texts, found), strict=True):
        spans.extend(extra)
    mentions = [
        Mention(offset + start, offset + end, label, segment[start:end])
        for (offset, segment), spans in zip(segments, found, strict=True)
        for start, end, label in sorted(spans)
    ]
    flags = kept([(mention.label, mention.text) for mention in mentions])
    return [mention for mention, keep in zip(mentions, flags, strict=True) if keep]


# --- scoring ----------------------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass
class Tally:
    """Counts behind precision, recall and F1 of one label (or of all labels together)."""

    gold: int = 0
    predicted: int = 0
    exact: int = 0
    gold_overlapped: int = 0
    predicted_overlapping: int = 0

    def add(self, other: Tally) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.exact += other.exact
        self.gold_overlapped += other.gold_overlapped
        self.predicted_overlapping += other.predicted_overlapping

    def scores(self) -> dict[str, float | int]:
        precision = _ratio(self.exact, self.predicted)
        recall = _ratio(self.exact, self.gold)
        overlap_precision = _ratio(self.predicted_overlapping, self.predicted)
        overlap_recall = _ratio(self.gold_overlapped, self.gold)
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
            "overlap_precision": overlap_precision,
            "overlap_recall": overlap_recall,
            "overlap_f1": _f1(overlap_precision, overlap_recall),
        }


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


def _touches(span: tuple[int, int], others: set[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def score_mentions(gold: Iterable[Mention], predicted: Iterable[Mention]) -> dict[str, Tally]:
    """Per-label tallies of one document (text is ignored: spans are compared by offsets)."""
    gold_by_label: dict[str, set[tuple[int, int]]] = defaultdict(set)
    predicted_by_label: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for mention in gold:
        gold_by_label[mention.label].add((mention.start, mention.end))
    for mention in predicted:
        predicted_by_label[mention.label].add((mention.start, mention.end))
    tallies = {}
    for label in gold_by_label.keys() | predicted_by_label.keys():
        golds, predictions = gold_by_label[label], predicted_by_label[label]
        tallies[label] = Tally(
            gold=len(golds),
            predicted=len(predictions),
            exact=len(golds & predictions),
            gold_overlapped=sum(_touches(span, predictions) for span in golds),
            predicted_overlapping=sum(_touches(span, golds) for span in predictions),
        )
    return tallies


@dataclass
class RegionTally:
    checked: int = 0  # gold LOC spans that the gazetteer resolves to a Russian federal subject
    found: int = 0  # ... that a predicted LOC span overlaps
    correct: int = 0  # ... whose overlapping prediction normalises to the same subject

    def add(self, other: RegionTally) -> None:
        self.checked += other.checked
        self.found += other.found
        self.correct += other.correct

    def scores(self) -> dict[str, float | int]:
        return {
            "checked": self.checked,
            "found": self.found,
            "correct": self.correct,
            "accuracy": _ratio(self.correct, self.checked),
            "accuracy_when_found": _ratio(self.correct, self.found),
        }


def _region(text: str) -> str | None:
    location = normalize_location(text)
    return location.region_code if location else None


def score_regions(gold: Iterable[Mention], predicted: Iterable[Mention]) -> RegionTally:
    predicted_places = [mention for mention in predicted if mention.label == "LOC"]
    tally = RegionTally()
    for mention in gold:
        expected = _region(mention.text) if mention.label == "LOC" else None
        if expected is None:
            continue
        tally.checked += 1
        overlapping = [place for place in predicted_places if _overlaps(place, mention)]
        if not overlapping:
            continue
        tally.found += 1
        # Of several overlapping predictions, the one sharing most characters speaks for it.
        best = max(
            overlapping,
            key=lambda place: min(place.end, mention.end) - max(place.start, mention.start),
        )
        value = normalized_value("LOC", best.text)
        if value is not None and value.get("region_code") == expected:
            tally.correct += 1
    return tally


# --- a whole evaluation -----------------------------------------------------------------------


@dataclass
class LanguageResult:
    documents: int = 0
    labels: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    regions: RegionTally = field(default_factory=RegionTally)
    errors: list[dict] = field(default_factory=list)

    def overall(self) -> Tally:
        total = Tally()
        for tally in self.labels.values():
            total.add(tally)
        return total

    def report(self) -> dict:
        labels = {label: self.labels[label].scores() for label in sorted(self.labels)}
        return {
            "documents": self.documents,
            "labels": {**labels, ALL_LABELS: self.overall().scores()},
            "regions": self.regions.scores(),
        }


def _errors(document: GoldDocument, predicted: list[Mention]) -> list[dict]:
    """Missed gold spans and spurious predictions, for reading what the rules get wrong."""
    gold_keys = {(m.start, m.end, m.label) for m in document.mentions}
    predicted_keys = {(m.start, m.end, m.label) for m in predicted}
    missed = [m for m in document.mentions if (m.start, m.end, m.label) not in predicted_keys]
    spurious = [m for m in predicted if (m.start, m.end, m.label) not in gold_keys]
    return [
        {"doc_id": document.doc_id, "kind": kind, **mention._asdict()}
        for kind, mentions in (("missed", missed), ("spurious", spurious))
        for mention in mentions
    ]


def evaluate_pipeline(
    documents: Iterable[GoldDocument],
    nlp_for: Callable[[str], Language],
    keep_errors: bool = False,
) -> dict[str, LanguageResult]:
    """Results per language; ``nlp_for(lang)`` gives the pipeline to run on that language."""
    results: dict[str, LanguageResult] = defaultdict(LanguageResult)
    for document in documents:
        predicted = predict_mentions(nlp_for(document.lang), document.text)
        result = results[document.lang]
        result.documents += 1
        for label, tally in score_mentions(document.mentions, predicted).items():
            result.labels[label].add(tally)
        result.regions.add(score_regions(document.mentions, predicted))
        if keep_errors:
            result.errors.extend(_errors(document, predicted))
    return dict(results)


def micro_f1(result: LanguageResult) -> float:
    return float(result.overall().scores()["f1"])
