"""The hostile corpus through the parser workers alone: each fault ends in its own result.

The flow test (``tests/flows/test_hostile_inbox.py``) runs the same files end to end; this one
checks each file's class quickly, one pool for them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_corpus import Expect, make_hostile_corpus

from cluster_nlp.ingest.files import discover
from cluster_nlp.ingest.sandbox import ParseLimits, parse_files
from cluster_nlp.statuses import ErrorClass

# The bomb inflates to 1 GB: with 512 MB a worker meets its cap; 5 s ends the reference loop.
LIMITS = ParseLimits(timeout_s=5, memory_mb=512, workers=2, ocr=False)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory, dejavu_font: Path):
    corpus = make_hostile_corpus(tmp_path_factory.mktemp("hostile") / "inbox", dejavu_font)
    regular = [path for path in discover([corpus.folder]) if path.is_file()]
    results = {result.path: result for result in parse_files(regular, "auto", LIMITS)}
    return corpus, results


def test_the_corpus_has_every_kind_of_fault(parsed):
    corpus, _ = parsed
    assert len(corpus.cases) >= 100
    faults = " ".join(case.fault for case in corpus.cases)
    for kind in ("truncated", "flipped", "root", "xref", "nested", "loop", "bomb", "2000 pages"):
        assert kind in faults
    for kind in ("MediaBox", "password", "fake", "hostile name", "FIFO", "dangling link"):
        assert kind in faults


def test_every_regular_file_ends_in_a_document_or_a_classified_one_line_error(parsed):
    corpus, results = parsed
    for case in corpus.cases:
        result = results.get(case.path)
        if result is None:  # links and the FIFO: the pipeline records them (test_pipeline.py)
            assert case.expect is Expect.MUST_FAIL and case.classes == {ErrorClass.UNSUPPORTED}
            continue
        if result.document is None:
            assert result.error_class in set(ErrorClass), case.fault
            assert result.error and "\n" not in result.error, case.fault
        if case.expect is Expect.MUST_FAIL:
            assert result.error_class in case.classes, (case.path.name, result.error)
        if case.expect is Expect.GOOD:
            assert result.document is not None, (case.path.name, result.error)


@pytest.mark.parametrize(
    ("name", "error_class"),
    [
        ("bomb-content.pdf", {ErrorClass.RESOURCE_LIMIT, ErrorClass.TIMEOUT}),
        ("self-reference.pdf", {ErrorClass.TIMEOUT, ErrorClass.CORRUPT}),
        ("locked-user-40.pdf", {ErrorClass.ENCRYPTED}),
        ("page.pdf", {ErrorClass.NOT_PDF}),
        ("empty.pdf", {ErrorClass.EMPTY}),
        ("truncated-012279.pdf", {ErrorClass.CORRUPT}),
    ],
)
def test_named_faults_get_their_class(parsed, name, error_class):
    corpus, results = parsed
    assert results[corpus.folder / name].error_class in error_class
