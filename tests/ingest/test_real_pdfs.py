"""The 40 real third-party PDFs of ``shared/pdfs/real`` (see its MANIFEST.md).

Every file ends ``ok`` or ``needs_ocr``, or raises ``ExtractionError`` with one line: no other
exception, no crash. The default engine reads every file whole (OCR off: Tesseract on the scans
is tested in ``test_ocr``); the pdfplumber engine reads the first pages of each.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from cluster_nlp.ingest import ExtractionError, extract, ocr
from cluster_nlp.records import ExtractedDocument
from cluster_nlp.statuses import DocumentStatus, ErrorClass, PageStatus

pytestmark = pytest.mark.real_pdfs

OK, NEEDS_OCR = DocumentStatus.OK, DocumentStatus.NEEDS_OCR
# What the default engine makes of each file: a status, or the start of the error message.
EXPECTED: dict[str, DocumentStatus | str] = {
    "ru/em301__demo_exam_2016.pdf": OK,
    "ru/em301__ec301_Alex_notes.pdf": OK,
    "ru/em301__housing_seminar-6-7.pdf": OK,
    "ru/em301__kantorovich_lectures_by_kostyrka.pdf": OK,
    "ru/em301__mamontov_seminars_by_kostyrka.pdf": OK,
    "ru/em301__metrics_exams.pdf": OK,
    "ru/em301__nazarov_emetrix_summary.pdf": OK,
    "ru/rosstat__cge_model_nea_article.pdf": OK,
    "en/pdfjs__TAMReview.pdf": OK,  # 2 readable pages, 21 with glyphs mapped to control codes
    "en/pdfjs__freeculture.pdf": OK,
    "en/pdfminer__issue-1061-colour-space-stack.pdf": OK,
    "en/pdfplumber__WARN-Report-2015-2016.pdf": OK,
    "en/pdfplumber__chelsea_pdta_fr.pdf": OK,
    "en/pdfplumber__federal-register-2020-17221.pdf": OK,
    "en/pdfplumber__issue-316-example.pdf": OK,
    "en/pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf": OK,
    "en/shyr1es__kz_constitution_en.pdf": OK,
    "nasty/pdfplumber__password-example.pdf": "encrypted: needs a password",
    "nasty/pypdf__r6-user-password.pdf": OK,  # PDFium refuses it, pdfminer opens it
    "nasty/pypdf__r4-owner-password.pdf": OK,
    "nasty/pdfjs__bug1782186.pdf": "encrypted: needs a password",
    "nasty/pdfplumber__malformed-from-issue-932.pdf": NEEDS_OCR,  # digits only
    "nasty/pdfminer__zen_of_python_corrupted.pdf": OK,
    "nasty/pdfjs__poppler-90-0-fuzzed.pdf": OK,
    "nasty/pdfjs__PDFBOX-3148-2-fuzzed.pdf": NEEDS_OCR,  # its one stream is broken: no text
    "nasty/pdfjs__bug1020226.pdf": "malformed PDF",
    "nasty/pdfjs__Pages-tree-refs.pdf": OK,
    "nasty/pdfplumber__empty.pdf": "empty file (0 bytes)",
    "nasty/pdfjs__issue12963_ru_scan_bad_ocr.pdf": NEEDS_OCR,
    "nasty/em301__Maddala_regression_word_scan.pdf": NEEDS_OCR,
    "nasty/pdfminer__pdf-with-jbig2.pdf": NEEDS_OCR,
    "nasty/pdfplumber__nics-background-checks-2015-11-rotated.pdf": OK,
    "nasty/pypdf__test_Orient.pdf": OK,
    "nasty/pdfjs__issue9418_huge_page.pdf": OK,  # pdfminer sees no page, PDFium one
    "nasty/pdfjs__issue14497_huge_rotated.pdf": OK,
    "nasty/pdfminer__issue-791-non-unicode-cmap.pdf": OK,  # pdfminer's reading is the good one
    "nasty/pdfminer__issue-1059-cmap-decode.pdf": NEEDS_OCR,
    "nasty/pdfplumber__issue-67-example_cjk_cid.pdf": OK,
    "nasty/pypdf__git_image_only.pdf": NEEDS_OCR,
    "nasty/pdfjs__TrueType_without_cmap.pdf": NEEDS_OCR,
}
# The class each expected error message is filed under.
CLASS_OF = {
    "encrypted": ErrorClass.ENCRYPTED,
    "malformed PDF": ErrorClass.CORRUPT,
    "empty file": ErrorClass.EMPTY,
}
RUSSIAN = [name for name in EXPECTED if name.startswith("ru/")]
BOOK = "en/pdfjs__freeculture.pdf"


@cache
def _read(folder: Path, name: str, engine: str = "auto", max_pages: int | None = None):
    """The document, or the ExtractionError, for one file (each file is read once per run)."""
    try:
        return extract(folder / name, engine=engine, ocr=False, max_pages=max_pages)  # type: ignore[arg-type]
    except ExtractionError as error:
        return error


def _document(real_pdfs: Path, name: str) -> ExtractedDocument:
    outcome = _read(real_pdfs, name)
    assert isinstance(outcome, ExtractedDocument), outcome
    return outcome


def test_every_file_is_listed(real_pdfs: Path):
    on_disk = {path.relative_to(real_pdfs).as_posix() for path in real_pdfs.glob("*/*.pdf")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", [name for name in EXPECTED if name != BOOK])
def test_outcome_of_the_default_engine(real_pdfs: Path, name: str):
    outcome = _read(real_pdfs, name)
    expected = EXPECTED[name]
    if not isinstance(expected, DocumentStatus):  # (a StrEnum is a str too)
        assert isinstance(outcome, ExtractionError), f"expected an error, got {outcome!r:.200}"
        assert str(outcome).startswith(expected) and "\n" not in str(outcome)
        assert outcome.error_class is next(
            kind for start, kind in CLASS_OF.items() if expected.startswith(start)
        )
        return
    assert isinstance(outcome, ExtractedDocument), outcome
    assert outcome.status is expected
    usable = [page for page in outcome.pages if page.status in (PageStatus.OK, PageStatus.OCR)]
    if expected is OK:
        assert outcome.text.strip() and outcome.passages and usable
    else:
        assert all(not page.text.strip() or page.quality.letters < 8 for page in outcome.pages)
    for passage in outcome.passages:
        assert outcome.text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize("name", RUSSIAN)
def test_russian_text_is_cyrillic_with_words_whole(real_pdfs: Path, name: str):
    document = _document(real_pdfs, name)
    assert document.lang == "ru"
    letters = re.findall(r"[^\W\d_]", document.text)
    assert sum("а" <= letter.lower() <= "я" or letter in "ёЁ" for letter in letters) > 0.5 * len(
        letters
    )
    assert "\ufffe" not in document.text and "\x02" not in document.text
    for page in document.pages:
        # A hyphen left before a line break, then a lower-case word: "кластер- изации".
        broken = re.findall(r"[а-яё]{2,}-\s+(?!и\b|или\b)[а-яё]{2,}", page.text)
        # LaTeX margin formulas next to the running text of the lecture notes leave a few.
        assert len(broken) <= 2, broken


def test_bitmap_cyrillic_toc_is_repaired_not_ocred(real_pdfs: Path):
    document = _document(real_pdfs, "ru/em301__ec301_Alex_notes.pdf")
    assert "Условное математическое ожидание" in document.text
    assert "Óñëîâíîå" not in document.text
    assert any(page.quality.repaired for page in document.pages)
    assert all(page.status is PageStatus.OK for page in document.pages)


def test_russian_scan_with_latin_ocr_layer_is_graded_bad(real_pdfs: Path):
    document = _document(real_pdfs, "nasty/pdfjs__issue12963_ru_scan_bad_ocr.pdf")
    assert document.status is DocumentStatus.NEEDS_OCR
    for page in document.pages:
        assert page.status is PageStatus.NEEDS_OCR
        assert "lookalike_latin" in page.quality.issues and page.quality.grade < 0.5
    assert "Hanoroo6no" not in document.text


# Sentences checked by eye on the rendered pages; each must come out whole, in order.
FEDERAL_REGISTER_SENTENCES = [  # three columns, footnotes between the parts of a paragraph
    "These effects include stall warning activation, airspeed disagree alert, and altitude "
    "disagree alert,5 and may affect the flightcrew’s ability to accomplish continued safe "
    "flight and landing.",
    "The FAA is proposing this AD because the agency evaluated all the relevant information "
    "and determined the unsafe condition described previously is likely to exist or develop in "
    "other products of the same type design.",
    "Additionally, during the operational evaluation, the FAA will evaluate the operating "
    "procedures (checklists) proposed in this AD.",
    "The FAA, through an operational evaluation, will assess the impact of the proposed "
    "aircraft design changes on pilot training.",
]
IEEE_SENTENCES = [  # two columns, formulas
    "The amount of noise that needs to be added depends on the variability of the query "
    "function between neighbor data sets.",
    "For the sake of simplicity, we assume that the number of records is odd",
    "In this work, we focus on the interactive setting, which differential privacy [3] has "
    "substantially advanced.",
]


@pytest.mark.parametrize(
    ("name", "sentences"),
    [
        ("en/pdfplumber__federal-register-2020-17221.pdf", FEDERAL_REGISTER_SENTENCES),
        ("en/pdfminer__issue-1061-colour-space-stack.pdf", IEEE_SENTENCES),
    ],
)
@pytest.mark.parametrize("engine", ["auto", "pdfplumber"])
def test_columns_come_out_in_reading_order(real_pdfs: Path, name, sentences, engine):
    outcome = _read(real_pdfs, name, engine, None if engine == "auto" else 5)
    assert isinstance(outcome, ExtractedDocument), outcome
    for sentence in sentences:
        assert sentence in outcome.text


def test_running_headers_of_the_federal_register_are_dropped(real_pdfs: Path):
    document = _document(real_pdfs, "en/pdfplumber__federal-register-2020-17221.pdf")
    assert "Federal Register / Vol. 85" not in document.text
    assert "VerDate" not in document.text and "PROPOSALS" not in document.text


def test_ruled_tables_of_the_warn_report(real_pdfs: Path):
    document = _document(real_pdfs, "en/pdfplumber__WARN-Report-2015-2016.pdf")
    first = document.pages[0].tables[0]
    assert first.cells[0][:3] == ["Notice Date", "Effective", "Received"]
    assert len(first.cells) > 30 and {len(row) for row in first.cells} == {7}
    assert all(page.tables for page in document.pages[:14])


def test_page_turned_sideways_reads_left_to_right(real_pdfs: Path):
    document = _document(real_pdfs, "nasty/pdfplumber__nics-background-checks-2015-11-rotated.pdf")
    assert "These statistics represent the number of firearm background checks" in document.text


@pytest.mark.parametrize("name", list(EXPECTED))
def test_pdfplumber_engine_reads_the_first_pages(real_pdfs: Path, name: str):
    outcome = _read(real_pdfs, name, "pdfplumber", 2)
    if isinstance(outcome, ExtractionError):
        assert str(outcome) and "\n" not in str(outcome)
        return
    assert outcome.status in (OK, NEEDS_OCR)
    assert outcome.engine in ("pdfplumber", None)
    if name.startswith("ru/") and name != "ru/em301__ec301_Alex_notes.pdf":  # (cid:N) there
        assert outcome.lang == "ru"


def test_the_352_page_book_is_read_whole(real_pdfs: Path):
    # Its memory is a figure, not a pass/fail line: benchmarks/extract_memory.py.
    document = _document(real_pdfs, BOOK)
    assert (document.page_count, document.status) == (352, OK)
    assert document.text.strip() and document.passages


@pytest.mark.skipif(not ocr.available(), reason="tesseract with rus/eng is not installed")
def test_russian_scan_with_latin_ocr_layer_is_read_again_by_tesseract(real_pdfs: Path):
    name = "nasty/pdfjs__issue12963_ru_scan_bad_ocr.pdf"
    document = extract(real_pdfs / name, ocr=True, max_pages=1)
    (page,) = document.pages
    assert page.status is PageStatus.OCR and page.engine == "tesseract"
    assert "налогообложения" in document.text.lower()
    assert document.lang == "ru" and document.status is DocumentStatus.OK
