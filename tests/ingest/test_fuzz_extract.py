"""Fuzzing the extraction entry point with corpus PDFs that hypothesis damages.

``extract`` is what each parser worker of ``cluster-nlp extract`` (and of every ingest) runs.
Whatever the bytes, it returns a document or raises ``ExtractionError`` with a class from the
closed set and a one-line message; any other exception is a finding, to be kept as a case in
``tests/support/hostile_corpus.py`` or ``FOUND`` below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cluster_nlp.ingest import ExtractionError, extract
from cluster_nlp.records import ExtractedDocument
from cluster_nlp.statuses import ErrorClass

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "pdf"
# The smallest corpus PDFs (English and Russian): quick to parse, and every mutation stays small.
SEEDS = sorted(CORPUS.glob("*.pdf"), key=lambda path: path.stat().st_size)[:6]
MAX_PAGES = 2  # a mutation's damage shows on the first pages; the rest only costs time


@st.composite
def damaged_pdfs(draw) -> bytes:
    """A corpus PDF with bits flipped, cut short, or spliced with another one."""
    data = bytearray(draw(st.sampled_from(SEEDS)).read_bytes())
    for _ in range(draw(st.integers(0, 3))):
        match draw(st.sampled_from(("flip", "truncate", "splice", "overwrite"))):
            case "flip":
                for _ in range(draw(st.integers(1, 32))):
                    position = draw(st.integers(0, len(data) - 1))
                    data[position] ^= 1 << draw(st.integers(0, 7))
            case "truncate":
                data = data[: draw(st.integers(0, len(data)))]
            case "splice":
                other = draw(st.sampled_from(SEEDS)).read_bytes()
                cut = draw(st.integers(0, len(data)))
                data = data[:cut] + other[draw(st.integers(0, len(other))) :]
            case "overwrite":
                position = draw(st.integers(0, len(data)))
                data[position : position + 8] = draw(st.binary(min_size=1, max_size=8))
        if not data:
            break
    return bytes(data)


def extract_or_fail(path: Path) -> ExtractedDocument | ExtractionError:
    try:
        return extract(path, engine="auto", ocr=False, max_pages=MAX_PAGES)
    except ExtractionError as error:
        return error


def check(outcome: ExtractedDocument | ExtractionError) -> None:
    if isinstance(outcome, ExtractionError):
        assert outcome.error_class in set(ErrorClass)
        assert str(outcome) and "\n" not in str(outcome)
    else:
        assert outcome.page_count <= MAX_PAGES


@pytest.mark.slow
@pytest.mark.skipif(not SEEDS, reason="corpus/pdf is empty")
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=damaged_pdfs())
def test_damaged_corpus_pdf_gives_a_document_or_a_classified_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "damaged.pdf"
    path.write_bytes(data)
    check(extract_or_fail(path))


# Kinds of damage kept as fixed cases in the default tier (recipes, not files). The fuzz runs
# so far found no exception outside the set; what the hostile corpus found (a /Root that is a
# reference to itself sends pdfminer into an endless loop, ended by the worker's time limit)
# is kept there, since it hangs any in-process call.
FOUND = {
    # Cut inside the header: pdfminer found no /Root.
    "header-only": lambda seed: seed[:5],
    # Cut before the first object ends.
    "cut-in-first-object": lambda seed: seed[:40],
    # Two halves of different files: the xref of the second does not fit the first.
    "spliced-halves": lambda seed: seed[: len(seed) // 2] + SEEDS[-1].read_bytes()[400:],
    # 'startxref' pointing beyond the end of the file.
    "startxref-beyond-end": lambda seed: seed.replace(b"startxref\n", b"startxref\n9", 1),
}


@pytest.mark.skipif(not SEEDS, reason="corpus/pdf is empty")
@pytest.mark.parametrize("recipe", FOUND.values(), ids=FOUND.keys())
def test_found_cases_give_a_document_or_a_classified_error(tmp_path: Path, recipe):
    path = tmp_path / "case.pdf"
    path.write_bytes(recipe(SEEDS[0].read_bytes()))
    check(extract_or_fail(path))
