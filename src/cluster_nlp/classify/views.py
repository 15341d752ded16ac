"""Evaluation views that imitate real input, built from labelled documents.

Real documents are not the corpus's clean, whole, well-headed texts. Besides the documents
themselves, every model is scored on:

- ``excerpts``: windows of ``excerpt_min_chars`` to ``excerpt_max_chars`` characters cut from
  each document at word boundaries, as a web page or a quoted fragment gives. An excerpt
  carries the labels whose rationale passages it holds (at least ``rationale_inside_share``
  of a rationale's characters inside). A document without rationales cannot say which of
  its labels an excerpt still supports; its excerpt is scored only when it covers at least
  ``fallback_min_coverage`` of the document and then carries all the document's labels. That
  fallback is chosen not to favour either side: labelling by the presence of cue phrases
  would hand the keyword baseline its own answers, and giving every short excerpt all its
  document's labels would count labels the excerpt no longer supports as misses;
- ``no_headings``: the documents with their headings (blocks that are not prose) dropped;
- ``furniture``: the documents inside site furniture (menus, share lines, tags, cookie lines)
  in their language;
- ``ocr_noise``: characters swapped for look-alikes, dropped, or words split, at
  ``ocr_error_rate`` per letter;
- ``lower_case``: the documents in lower case.

Every view is drawn with a seed from the settings (``views`` in ``data/classify.yaml``), so two
runs score the same texts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from cluster_nlp.classify.content import blocks_of, is_prose
from cluster_nlp.classify.data import LabeledText
from cluster_nlp.classify.rationales import locate
from cluster_nlp.classify.settings import ClassifySettings, ContentSettings, ViewSettings
from cluster_nlp.classify.train import evaluate_classifiers
from cluster_nlp.corpus.schema import LabelSet
from cluster_nlp.taxonomy import GROUPS, Taxonomy

VIEWS = ("documents", "excerpts", "no_headings", "furniture", "ocr_noise", "lower_case")

# Characters OCR confuses, both ways where it makes sense (Latin and Cyrillic look-alikes).
LOOK_ALIKES = {
    "o": "0", "0": "o", "l": "1", "1": "l", "i": "l", "e": "c", "c": "e", "a": "o",
    "m": "rn", "о": "0", "е": "с", "с": "е", "и": "н", "н": "и", "ш": "щ", "п": "л",
    "т": "г", "в": "з", "з": "э", "б": "6", "ь": "ъ",
}  # fmt: skip


def _rng(settings: ViewSettings, example: LabeledText, view: str) -> random.Random:
    """A generator per (seed, view, document), so a view does not depend on document order."""
    return random.Random(f"{settings.seed}:{view}:{example.doc_id}")


def _snap(text: str, position: int, forward: bool) -> int:
    """``position`` moved to the nearest word boundary (whitespace) in one direction."""
    if position <= 0 or position >= len(text):
        return max(0, min(position, len(text)))
    step = 1 if forward else -1
    while 0 < position < len(text) and not text[position].isspace():
        position += step
    return position


def windows(text: str, count: int, settings: ViewSettings, rng: random.Random) -> list[tuple]:
    """``count`` (start, end) windows of the view's lengths, at word boundaries."""
    found = []
    for _ in range(count):
        length = rng.randint(settings.excerpt_min_chars, settings.excerpt_max_chars)
        if length >= len(text):
            found.append((0, len(text)))
            continue
        start = _snap(text, rng.randint(0, len(text) - length), forward=False)
        end = _snap(text, start + length, forward=True)
        found.append((start, end))
    return found


def excerpt_labels(
    example: LabeledText, start: int, end: int, settings: ViewSettings, groups=GROUPS
) -> LabelSet | None:
    """The labels an excerpt [start, end) of ``example.text`` carries; None when it cannot be
    labelled (no rationales, and too short a share of its document)."""
    if example.rationales is None:
        coverage = (end - start) / max(len(example.text), 1)
        return example.labels if coverage >= settings.fallback_min_coverage else None
    carried = set()
    for label, passages in example.rationales.items():
        for passage in passages:
            where = locate(example.text, passage)
            if where is None:
                continue
            inside = max(0, min(end, where[1]) - max(start, where[0]))
            if inside >= settings.rationale_inside_share * (where[1] - where[0]):
                carried.add(label)
                break
    return LabelSet(
        **{group: [i for i in example.labels.ids(group) if i in carried] for group in groups}
    )


def excerpts(examples: list[LabeledText], settings: ViewSettings) -> list[LabeledText]:
    view = []
    for example in examples:
        rng = _rng(settings, example, "excerpts")
        cuts = windows(example.text, settings.excerpts_per_document, settings, rng)
        for number, (start, end) in enumerate(cuts):
            labels = excerpt_labels(example, start, end, settings)
            if labels is None:
                continue
            view.append(
                replace(
                    example,
                    doc_id=f"{example.doc_id}#excerpt-{number}",
                    text=example.text[start:end].strip(),
                    labels=labels,
                    rationales=None,
                )
            )
    return view


def drop_headings(text: str, content: ContentSettings) -> str:
    return "\n\n".join(block for block in blocks_of(text) if is_prose(block, content))


def add_furniture(text: str, lines: tuple[str, ...], rng: random.Random) -> str:
    """``text`` with a menu on top, a furniture line inside, and footer lines at the bottom."""
    blocks = blocks_of(text)
    chosen = rng.sample(lines, k=min(4, len(lines)))
    middle = rng.randint(0, len(blocks))
    blocks.insert(middle, chosen[1])
    return "\n\n".join([chosen[0], *blocks, *chosen[2:]])


def ocr_noise(text: str, rate: float, rng: random.Random) -> str:
    """Letters swapped for look-alikes, dropped, or followed by a stray space, at ``rate``."""
    out = []
    for character in text:
        if not character.isalnum() or rng.random() >= rate:
            out.append(character)
            continue
        kind = rng.random()
        lower = character.lower()
        if kind < 0.6 and lower in LOOK_ALIKES:
            swapped = LOOK_ALIKES[lower]
            out.append(swapped.upper() if character.isupper() else swapped)
        elif kind < 0.8:
            continue  # dropped
        else:
            out.append(character + " ")
    return "".join(out)


def perturbed(
    examples: list[LabeledText], view: str, settings: ClassifySettings
) -> list[LabeledText]:
    """The documents under one perturbation (labels unchanged)."""
    options = settings.views
    changes: dict[str, Callable[[LabeledText], str]] = {
        "no_headings": lambda example: drop_headings(example.text, settings.content),
        "furniture": lambda example: add_furniture(
            example.text,
            options.furniture.ru if example.lang == "ru" else options.furniture.en,
            _rng(options, example, view),
        ),
        "ocr_noise": lambda example: ocr_noise(
            example.text, options.ocr_error_rate, _rng(options, example, view)
        ),
        "lower_case": lambda example: example.text.lower(),
    }
    change = changes[view]
    return [replace(example, text=change(example)) for example in examples]


def view_examples(
    examples: list[LabeledText], view: str, settings: ClassifySettings
) -> list[LabeledText]:
    """The labelled texts of one view of ``examples``."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; views are {', '.join(VIEWS)}")
    if view == "documents":
        return list(examples)
    if view == "excerpts":
        return excerpts(examples, settings.views)
    return perturbed(examples, view, settings)


def evaluate_views(
    model: dict,
    baseline: dict,
    examples: list[LabeledText],
    taxonomy: Taxonomy,
    settings: ClassifySettings,
    views: tuple[str, ...] = VIEWS,
) -> dict:
    """Per view and group: the model's and the baseline's micro-F1 with bootstrap intervals,
    and how many texts the view holds (``model`` and ``baseline``: group -> classifier)."""
    report = {}
    for view in views:
        texts = view_examples(examples, view, settings)
        scored = evaluate_classifiers(model, texts, taxonomy)
        reference = evaluate_classifiers(baseline, texts, taxonomy)
        report[view] = {
            "documents": len(texts),
            "groups": {
                group: {
                    "micro_f1": scored[group]["micro"]["f1"],
                    "interval": scored[group]["micro_f1_interval"],
                    "baseline_micro_f1": reference[group]["micro"]["f1"],
                    "baseline_interval": reference[group]["micro_f1_interval"],
                }
                for group in GROUPS
            },
        }
    return report
