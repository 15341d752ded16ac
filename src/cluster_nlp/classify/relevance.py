"""Whether a document is about a cluster, hub, network, programme or AI ecosystem at all.

A stream of PDFs brings economics papers, tax forms and regulations that never mention one;
a label model, asked which labels such a text has, still finds some. So each document first
gets a relevance decision from its prose: how often it names AI (``ai``) and an organised
structure (``structure``: a cluster, hub, network, programme, centre, ecosystem...), the
statistical and computing senses ("кластерный анализ", "computing cluster", "neural network")
masked first. With ``topical = min(ai, structure)`` the score is
``topical / (topical + half_at)``: a text that never names AI, or never names a structure,
scores 0; one mention of each gives 0.5 with the default ``half_at`` of 1, three give 0.75.
The score is scaled down when AI is named less often than ``min_ai_per_1000_words``: a
60-page lecture course that mentions neural networks twice is not about an AI ecosystem.
Passage-level co-occurrence was tried first and lost a sixth of the corpus's on-topic
documents, whose AI and structure words sit in different paragraphs. The word lists and the
line are data (``relevance`` in ``data/classify.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cluster_nlp.classify.settings import RelevanceSettings
from cluster_nlp.taxonomy import cue_body


@dataclass(frozen=True)
class RelevanceDecision:
    relevant: bool
    score: float
    ai_mentions: int
    structure_mentions: int


@lru_cache(maxsize=64)
def _stems(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern finding any of ``terms``, each word matched as the start of a word."""
    if not terms:
        return None
    # One word-start check before the alternation, not one per term: the same matches, and
    # the engine tries the terms only where a word starts.
    body = "|".join(cue_body(term) for term in terms)
    return re.compile(rf"(?<!\w)(?:{body})", re.IGNORECASE)


@lru_cache(maxsize=64)
def _whole_words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    body = "|".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w|[-–]\d)", re.IGNORECASE)


@lru_cache(maxsize=256)
def relevance(text: str, settings: RelevanceSettings) -> RelevanceDecision:
    """The relevance decision for a text (its prose: see ``content.content_text``); kept for
    the last few texts, as tagging asks once per label group of the same document."""
    ai_words = _whole_words(settings.ai_words)
    ai = len(_stems(settings.ai_terms).findall(text)) + (
        len(ai_words.findall(text)) if ai_words else 0
    )
    excluded = _stems(settings.exclude_terms)
    masked = excluded.sub(" ", text) if excluded else text
    structure = len(_stems(settings.structure_terms).findall(masked))
    topical = min(ai, structure)
    words = max(len(text.split()), 1)
    density = ai * 1000 / words
    damping = (
        min(1.0, density / settings.min_ai_per_1000_words)
        if settings.min_ai_per_1000_words > 0
        else 1.0
    )
    score = topical / (topical + settings.half_at) * damping
    return RelevanceDecision(score >= settings.min_score, round(score, 6), ai, structure)
