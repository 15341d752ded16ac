"""Running headers, footers and page numbers: lines to leave out of the running text (pure).

A line is furniture when it sits in the top or bottom band of its page and either reads as a page
number ("3", "- 3 -", "Стр. 3 из 5", "xii") or comes back, digits masked, at about the same
height on other pages: exactly on any page, or nearly (difflib ratio) on neighbouring pages,
which catches headers that carry the chapter title.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from cluster_nlp.ingest.layout import Line
from cluster_nlp.ingest.settings import FurnitureSettings, furniture_settings

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, spaces removed, every run of digits replaced by "#"."""
    return _DIGITS.sub("#", _SPACES.sub("", text.lower()))


@dataclass(frozen=True)
class _Candidate:
    page: int
    index: int
    band: str
    key: str
    top: float
    size: float


def find_furniture(
    pages: Sequence[tuple[float, Sequence[Line]]], settings: FurnitureSettings | None = None
) -> list[set[int]]:
    """For each page (its height and lines), the indices of the lines that are furniture."""
    settings = settings or furniture_settings()
    candidates = [
        candidate
        for number, (height, lines) in enumerate(pages)
        for candidate in _candidates(number, height, lines, settings.band_share)
    ]
    by_key: dict[tuple[str, str], list[_Candidate]] = {}
    by_page: dict[tuple[int, str], list[_Candidate]] = {}
    for candidate in candidates:
        by_key.setdefault((candidate.band, candidate.key), []).append(candidate)
        by_page.setdefault((candidate.page, candidate.band), []).append(candidate)
    for same_key in by_key.values():
        same_key.sort(key=lambda candidate: candidate.top)
    required = min(settings.min_repeats, len(pages))
    dropped: list[set[int]] = [set() for _ in pages]
    for candidate in candidates:
        if any(pattern.match(candidate.key) for pattern in settings.page_number_patterns) or (
            required > 1
            and (
                _repeats(candidate, by_key[candidate.band, candidate.key], required)
                or _resembles(candidate, by_page, required, settings)
            )
        ):
            dropped[candidate.page].add(candidate.index)
    return dropped


def _candidates(
    page: int, height: float, lines: Sequence[Line], band_share: float
) -> list[_Candidate]:
    found = []
    for index, line in enumerate(lines):
        if line.bottom <= band_share * height:
            band = "top"
        elif line.top >= (1 - band_share) * height:
            band = "bottom"
        else:
            continue
        key = normalise(line.text)
        if key:
            found.append(_Candidate(page, index, band, key, line.top, line.size))
    return found


def _near(a: _Candidate, b: _Candidate) -> bool:
    return a.page != b.page and abs(a.top - b.top) <= 3 * max(a.size, b.size)


def _repeats(candidate: _Candidate, same_key: list[_Candidate], required: int) -> bool:
    """Whether the same text stands at about the same height on ``required`` pages in all.
    ``same_key`` is sorted by ``top``, so only the candidates within reach are looked at."""
    reach = 3 * max(other.size for other in same_key)
    first = bisect_left(same_key, candidate.top - reach, key=lambda other: other.top)
    pages = set()
    for other in same_key[first:]:
        if other.top > candidate.top + reach:
            break
        if _near(candidate, other):
            pages.add(other.page)
            if len(pages) + 1 >= required:
                return True
    return False


def _resembles(
    candidate: _Candidate,
    by_page: dict[tuple[int, str], list[_Candidate]],
    required: int,
    settings: FurnitureSettings,
) -> bool:
    pages = set()
    matcher = SequenceMatcher(None, b=candidate.key)  # indexes the candidate once for all others
    for page in range(
        candidate.page - settings.neighbour_pages, candidate.page + settings.neighbour_pages + 1
    ):
        for other in by_page.get((page, candidate.band), []):
            if not _near(candidate, other):
                continue
            matcher.set_seq1(other.key)
            if (
                matcher.real_quick_ratio() >= settings.similarity
                and matcher.quick_ratio() >= settings.similarity
                and matcher.ratio() >= settings.similarity
            ):
                pages.add(page)
                break
    return len(pages) + 1 >= required


def find_repeated_side_lines(
    pages: Sequence[Sequence[Line]], settings: FurnitureSettings | None = None
) -> list[set[int]]:
    """For each page, the indices of its vertical margin lines (stamps such as "Downloaded
    from ..." or a typesetter's job line) whose text, digits masked, recurs on other pages."""
    settings = settings or furniture_settings()
    required = min(settings.min_repeats, len(pages))
    if required < 2:
        return [set() for _ in pages]
    seen: dict[str, set[int]] = {}
    for number, lines in enumerate(pages):
        for line in lines:
            seen.setdefault(normalise(line.text), set()).add(number)
    return [
        {index for index, line in enumerate(lines) if len(seen[normalise(line.text)]) >= required}
        for lines in pages
    ]
