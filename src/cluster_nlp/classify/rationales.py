"""Which passages of a document its rationales point at.

A rationale is the sentence (or sentences) that justifies one of the document's labels; the
corpus records its text (``LabeledText.rationales``). A passage is a rationale passage of a
label when at least ``min_overlap_share`` of the shorter of the two (passage or rationale)
lies in their overlap: a rationale sentence inside a paragraph marks the paragraph, and a
rationale running over two paragraphs marks both when each holds a good part of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np


def locate(text: str, passage: str) -> tuple[int, int] | None:
    """Where ``passage`` stands in ``text``, whitespace differences forgiven."""
    index = text.find(passage)
    if index >= 0:
        return index, index + len(passage)
    words = passage.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def rationale_passages(
    text: str,
    spans: Sequence[tuple[int, int]],
    rationales: Sequence[str],
    min_overlap_share: float = 0.5,
) -> np.ndarray | None:
    """Which of the passages at ``spans`` (start, end in ``text``) hold one of ``rationales``;
    None when none of the rationales is found in ``text`` (nothing is known)."""
    found = [where for where in (locate(text, r) for r in rationales) if where is not None]
    if not found:
        return None
    marked = np.zeros(len(spans), dtype=bool)
    for index, (start, end) in enumerate(spans):
        for r_start, r_end in found:
            overlap = min(end, r_end) - max(start, r_start)
            shorter = min(end - start, r_end - r_start)
            if overlap > 0 and overlap >= min_overlap_share * shorter:
                marked[index] = True
                break
    return marked


def passage_targets(
    text: str,
    spans: Sequence[tuple[int, int]],
    labels: Sequence[str],
    present: Sequence[bool],
    rationales: Mapping[str, Sequence[str]] | None,
    min_overlap_share: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Per passage and label: the target (1: a rationale passage of a label the document has)
    and its kind: 0 a passage of a document without the label (a negative), 1 a rationale
    passage, 2 another passage of a document with the label, 3 a passage of a document with
    the label whose rationales are unknown or not found. Kinds 2 and 3 are what the training
    settings weigh (or leave out)."""
    target = np.zeros((len(spans), len(labels)), dtype=int)
    kind = np.zeros((len(spans), len(labels)), dtype=int)
    for column, (label, has_label) in enumerate(zip(labels, present, strict=True)):
        if not has_label:
            continue
        marked = None
        if rationales and rationales.get(label):
            marked = rationale_passages(text, spans, rationales[label], min_overlap_share)
        if marked is None:
            kind[:, column] = 3
            continue
        target[marked, column] = 1
        kind[:, column] = np.where(marked, 1, 2)
    return target, kind
