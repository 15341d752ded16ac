"""PDF pages as PNG: only from below the files root, only while the bytes still match the id."""

from __future__ import annotations

import hashlib

import pytest
from pdf_drawing import FONT, register_font
from reportlab.pdfgen import canvas

from cluster_nlp.records import ExtractedDocument
from cluster_nlp.review.page_images import PageImageError, confined, page_png
from cluster_nlp.statuses import DocumentStatus
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import save_document


@pytest.mark.parametrize(
    ("stored", "inside"),
    [
        ("inbox/a.pdf", True),
        ("./inbox/../a.pdf", True),
        ("../outside.pdf", False),
        ("/etc/passwd", False),
        ("inbox/../../x.pdf", False),
    ],
)
def test_paths_are_confined_to_the_root(tmp_path, stored, inside):
    assert (confined(tmp_path.resolve(), stored) is not None) == inside


@pytest.fixture
def stored_pdf(tmp_path, dejavu_font):
    register_font(dejavu_font)
    path = tmp_path / "inbox" / "one.pdf"
    path.parent.mkdir()
    pdf = canvas.Canvas(str(path), invariant=1)
    pdf.setFont(FONT, 12)
    pdf.drawString(72, 720, "Технопарк")
    pdf.showPage()
    pdf.save()
    sessions = open_store(f"sqlite:///{tmp_path}/pages.db")
    document_id = hashlib.sha256(path.read_bytes()).hexdigest()
    save_document(
        sessions,
        ExtractedDocument(
            path="inbox/one.pdf", sha256=document_id, status=DocumentStatus.OK, text="x"
        ),
        size_bytes=path.stat().st_size,
    )
    return sessions, document_id, path


def test_a_stored_pdf_page_renders_as_png(stored_pdf, tmp_path):
    sessions, document_id, _ = stored_pdf
    png = page_png(sessions, tmp_path.resolve(), document_id, 1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(PageImageError, match="no page 2"):
        page_png(sessions, tmp_path.resolve(), document_id, 2)


def test_a_file_outside_the_root_or_changed_since_is_not_shown(stored_pdf, tmp_path):
    sessions, document_id, path = stored_pdf
    with pytest.raises(PageImageError, match="not available"):
        page_png(sessions, (tmp_path / "inbox").resolve(), document_id, 1)  # a narrower root
    path.write_bytes(path.read_bytes() + b"\n% changed\n")
    with pytest.raises(PageImageError, match="not available"):
        page_png(sessions, tmp_path.resolve(), document_id, 1)
