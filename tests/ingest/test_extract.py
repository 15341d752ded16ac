"""``extract`` on generated PDFs, with every engine: reading order, hyphens, furniture, tables,
and a clear one-line ``ExtractionError`` for every kind of unreadable file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cluster_nlp.ingest import ExtractionError, extract
from cluster_nlp.statuses import DocumentStatus, ErrorClass, PageStatus

ENGINES = ["auto", "pdfium", "pdfplumber"]


@pytest.fixture(scope="module", params=ENGINES)
def extracted(request: pytest.FixtureRequest, two_column_pdf):
    return request.param, extract(two_column_pdf.path, engine=request.param, ocr=False)


def test_passages_come_in_reading_order_with_columns_never_interleaved(extracted, two_column_pdf):
    _, document = extracted
    assert [passage.text for passage in document.passages] == list(two_column_pdf.expected_passages)


def test_hyphen_at_line_end_joins_a_broken_word_and_keeps_a_compound(extracted):
    _, document = extracted
    assert "кластеризации" in document.text
    assert "научно-образовательной" in document.text
    assert "кластер-" not in document.text
    assert "\ufffe" not in document.text and "\x02" not in document.text


def test_running_header_and_page_numbers_are_dropped(extracted, two_column_pdf):
    _, document = extracted
    assert two_column_pdf.header not in document.text
    assert "- 1 -" not in document.text and "- 2 -" not in document.text
    assert all(not passage.text.strip().isdigit() for passage in document.passages)


def test_ruled_table_is_returned_and_left_out_of_the_text(extracted, two_column_pdf):
    _, document = extracted
    first, second = document.pages
    assert first.tables == []
    assert [table.cells for table in second.tables] == [[list(row) for row in two_column_pdf.table]]
    assert second.tables[0].page == 2
    for cell in ("Новосибирская область", "i.moscow", "2019"):
        assert cell not in document.text


def test_passage_boxes_sit_in_their_column(extracted, two_column_pdf):
    _, document = extracted
    gutter = 292.0
    for passage in document.passages:
        assert passage.bbox is not None
        in_right = passage.text in two_column_pdf.right_column_passages
        if in_right:
            assert gutter < passage.bbox.x0 < passage.bbox.x1 < 595.0
        elif passage.text != two_column_pdf.title:
            assert 0.0 < passage.bbox.x0 < passage.bbox.x1 < gutter


def test_offsets_pages_title_language_and_engine(extracted, two_column_pdf):
    engine, document = extracted
    assert document.sha256 == hashlib.sha256(two_column_pdf.path.read_bytes()).hexdigest()
    assert document.status is DocumentStatus.OK
    assert document.title == two_column_pdf.title
    assert document.lang == "ru"
    assert {passage.lang for passage in document.passages} == {"ru"}
    assert [page.number for page in document.pages] == [1, 2]
    assert all(page.status is PageStatus.OK for page in document.pages)
    for passage in document.passages:
        assert document.text[passage.start : passage.end] == passage.text
    assert document.text == "\n\n".join(page.text for page in document.pages)
    expected_engine = {"auto": "pdfium", "pdfium": "pdfium", "pdfplumber": "pdfplumber"}
    assert document.engine == expected_engine[engine]
    assert document.pages[0].engine == ("pdfplumber" if engine == "pdfplumber" else "pdfium")


def test_metadata_title_wins_when_sensible(tmp_path: Path, make_pdf):
    path = make_pdf(
        tmp_path / "titled.pdf",
        [["Первая строка документа о кластерах."]],
        title="Доклад о кластерах ИИ",
    )
    assert extract(path).title == "Доклад о кластерах ИИ"
    junk = make_pdf(
        tmp_path / "junk.pdf",
        [["Кластеры в регионах", "Текст документа о кластерах."]],
        title="Microsoft Word - doc1.docx",
    )
    assert extract(junk).title == "Кластеры в регионах"


def test_max_pages_reads_only_the_first_pages(two_column_pdf):
    document = extract(two_column_pdf.path, max_pages=1)
    assert document.page_count == 1
    assert "Томский" not in document.text


def _minimal_pdf(objects: list[bytes]) -> bytes:
    """A structurally valid PDF with the given objects (1-based), xref and trailer."""
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


def _truncated(path: Path, make_pdf) -> Path:
    whole = make_pdf(path.with_name("whole.pdf"), [["Полный документ о кластере."] * 20])
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


BAD_INPUTS = [
    ("empty.pdf", lambda path, make_pdf: path.write_bytes(b""), "empty file", ErrorClass.EMPTY),
    (
        "fake.pdf",
        lambda path, make_pdf: path.write_text("plain text, .pdf name", "utf-8"),
        "not a PDF",
        ErrorClass.NOT_PDF,
    ),
    ("truncated.pdf", lambda path, make_pdf: _truncated(path, make_pdf), "", ErrorClass.CORRUPT),
    (
        "locked.pdf",
        lambda path, make_pdf: make_pdf(path, [["Секретный текст."]], encrypt="secret"),
        "encrypted: needs a password",
        ErrorClass.ENCRYPTED,
    ),
    (
        "no_pages.pdf",
        lambda path, make_pdf: path.write_bytes(
            _minimal_pdf(
                [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
            )
        ),
        "page tree",
        ErrorClass.CORRUPT,
    ),
    (
        "broken.pdf",
        lambda path, make_pdf: path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Cat"),
        "",
        ErrorClass.CORRUPT,
    ),
    (
        "report.docx",
        lambda path, make_pdf: path.write_bytes(b"PK\x03\x04 zip"),
        "unsupported file type .docx",
        ErrorClass.UNSUPPORTED,
    ),
    (
        "binary.txt",  # 0x98 is no Windows-1251 letter, and the NUL no text holds
        lambda path, make_pdf: path.write_bytes(b"\x98\x98\x98\x81\x00"),
        "not readable text",
        ErrorClass.UNSUPPORTED,
    ),
    (
        "blank.md",
        lambda path, make_pdf: path.write_text("  \n\n \t\n", "utf-8"),
        "only whitespace",
        ErrorClass.EMPTY,
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "make", "message", "error_class"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS]
)
def test_unreadable_file_raises_one_clear_line_and_its_class(
    tmp_path: Path, make_pdf, engine, name, make, message, error_class
):
    path = tmp_path / name
    make(path, make_pdf)
    with pytest.raises(ExtractionError) as raised:
        extract(path, engine=engine)
    reason = str(raised.value)
    assert message in reason
    assert reason and "\n" not in reason and "Traceback" not in reason
    assert raised.value.error_class is error_class
    if name in ("truncated.pdf", "broken.pdf"):
        assert reason.startswith(("malformed PDF", "no pages"))


def test_missing_file_is_an_extraction_error(tmp_path: Path):
    with pytest.raises(ExtractionError, match="cannot read the file"):
        extract(tmp_path / "nowhere.pdf")


def test_pdf_content_is_recognised_whatever_the_name(tmp_path: Path, two_column_pdf):
    renamed = tmp_path / "report.bin"
    renamed.write_bytes(two_column_pdf.path.read_bytes())
    assert extract(renamed).status is DocumentStatus.OK


def test_unknown_engine_is_refused(two_column_pdf):
    with pytest.raises(ExtractionError, match="unknown engine"):
        extract(two_column_pdf.path, engine="fitz")  # type: ignore[arg-type]


def test_auto_can_read_tables_with_pdfplumber_instead(monkeypatch, two_column_pdf):
    from cluster_nlp.ingest import engines
    from cluster_nlp.ingest.settings import engine_settings

    reference = engine_settings().model_copy(update={"plumber_tables_in_auto": True})
    monkeypatch.setattr(engines, "engine_settings", lambda: reference)
    document = extract(two_column_pdf.path, engine="auto", ocr=False)
    assert [page.engine for page in document.pages] == ["pdfium", "pdfium+pdfplumber"]
    assert document.engine == "pdfium+pdfplumber"
    assert [table.cells for table in document.pages[1].tables] == [
        [list(row) for row in two_column_pdf.table]
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_uneven_and_loosely_justified_columns_are_never_interleaved(engine, uneven_columns_pdf):
    document = extract(uneven_columns_pdf.path, engine=engine, ocr=False)
    pages = [
        tuple(passage.text for passage in document.passages if passage.page == number)
        for number in (1, 2)
    ]
    assert pages == list(uneven_columns_pdf.pages)
