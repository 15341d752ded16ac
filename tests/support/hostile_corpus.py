"""A folder of hostile inputs: broken, tricky and malicious files beside good ones.

``make_hostile_corpus(folder, font)`` writes them and returns what each should come to:

- ``must_fail``: the file cannot be read; it must be recorded as failed with one of
  ``classes``.
- ``may_read``: damaged or extreme, yet a parser may recover it (a truncated tail, flipped
  bytes, thousands of pages); it must be recorded once, and if it fails, with a class.
- ``good``: readable text under a hostile name or place; it must be tagged.

Entries that are not documents (a link out of the folder, the folder named ``.pdf``
itself) are listed under ``skipped``. Every random choice comes from one seed.
"""

from __future__ import annotations

import io
import os
import random
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pdf_drawing import FONT, register_font
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from cluster_nlp.statuses import ErrorClass

SEED = 13
TRUNCATIONS = 40
FLIPPED_FILES = 30
BOMB_BYTES = 1 << 30  # what the bomb's one stream inflates to
MANY_PAGES = 2000
NESTING = 50_000
# The quick sample (``sample=True``): a few of each kind of fault, none that waits for a limit.
SAMPLE = {
    "root-missing.pdf",
    "xref-missing.pdf",
    "nested-arrays.pdf",
    "kids-loop.pdf",
    "page.pdf",
    "archive.pdf",
    "empty.pdf",
    "header-only.pdf",
    "binary.txt",
    "locked-user-128.pdf",
    "owner-only.pdf",
    "huge-page.pdf",
    "report [draft].pdf",
    "line\nbreak.pdf",
    "[link=x]['Resources'].txt",
}
SAMPLE_DAMAGED = 3  # truncated and bit-flipped files each

PARSE_ERRORS = frozenset({ErrorClass.CORRUPT, ErrorClass.RESOURCE_LIMIT, ErrorClass.TIMEOUT})


class Expect(StrEnum):
    MUST_FAIL = "must_fail"
    MAY_READ = "may_read"
    GOOD = "good"


@dataclass(frozen=True)
class Case:
    path: Path
    expect: Expect
    classes: frozenset[ErrorClass] = frozenset()  # for MUST_FAIL: the classes allowed
    fault: str = ""  # what was done to the file


@dataclass
class HostileCorpus:
    folder: Path
    cases: list[Case] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    def of(self, expect: Expect) -> list[Case]:
        return [case for case in self.cases if case.expect is expect]


SENTENCES = [
    "Кластер искусственного интеллекта в Новосибирске объединяет университеты и стартапы.",
    "The Gothenburg AI hub runs an accelerator for start-ups with the university.",
    "Технопарк в Томске проводит хакатон для студентов и молодых учёных.",
]


def good_pdf(font: Path, text: str, pages: int = 1, pagesize=(595.0, 842.0), **options) -> bytes:
    """A small readable PDF: ``text`` on each of ``pages`` pages (reportlab)."""
    register_font(font)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=pagesize, invariant=1, **options)
    for number in range(pages):
        pdf.setFont(FONT, 10)
        pdf.drawString(60, pagesize[1] - 80, f"{text} {number + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_of(objects: list[bytes], trailer: bytes | None = None, xref: bool = True) -> bytes:
    """A PDF with ``objects`` (numbered from 1), an exact xref table and ``trailer``."""
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    start = len(body)
    if xref:
        body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = trailer if trailer is not None else b"<< /Size %d /Root 1 0 R >>" % (len(objects) + 1)
    return body + b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % start


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"


def stream(data: bytes, flate: bool = False) -> bytes:
    if flate:
        data = zlib.compress(data)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def bomb_stream(size: int) -> bytes:
    """A FlateDecode stream of about 1/1000 of ``size`` bytes that inflates to ``size``."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(size // len(chunk)))
    packed += packer.flush()
    return (
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    )


def structural_cases() -> dict[str, tuple[bytes, Expect, frozenset[ErrorClass]]]:
    """Broken roots and xrefs, deep nesting, reference loops and a bomb, by file name."""
    content = stream(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET")
    fail = Expect.MUST_FAIL
    maybe = Expect.MAY_READ
    deep_array = b"[" * NESTING + b"]" * NESTING
    deep_dict = b"<< /A " * NESTING + b"1" + b" >>" * NESTING
    return {
        "root-missing.pdf": (pdf_of([PAGES], b"<< /Size 2 >>"), fail, PARSE_ERRORS),
        "root-dangling.pdf": (
            pdf_of([PAGES], b"<< /Size 2 /Root 9 0 R >>"),
            fail,
            PARSE_ERRORS,
        ),
        "root-not-a-dict.pdf": (pdf_of([b"42", PAGES]), fail, PARSE_ERRORS),
        "pages-missing.pdf": (pdf_of([b"<< /Type /Catalog /Pages 7 0 R >>"]), fail, PARSE_ERRORS),
        "xref-offsets-wrong.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, content]).replace(b"0000000009", b"0000099999"),
            maybe,
            frozenset(),
        ),
        "xref-missing.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, content], xref=False),
            maybe,
            frozenset(),
        ),
        "startxref-past-end.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, content]).replace(b"startxref\n", b"startxref\n9999999"),
            maybe,
            frozenset(),
        ),
        "trailer-garbage.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, content], b"<< /Size /Root (((( >>"),
            maybe,
            frozenset(),
        ),
        "nested-arrays.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, content, deep_array]),
            maybe,
            frozenset(),
        ),
        "nested-dicts.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, content, deep_dict]),
            maybe,
            frozenset(),
        ),
        "nested-in-root.pdf": (
            pdf_of(
                [
                    b"<< /Type /Catalog /Pages 2 0 R /Deep " + deep_array + b" >>",
                    PAGES,
                    PAGE,
                    content,
                ]
            ),
            maybe,
            frozenset(),
        ),
        "kids-loop.pdf": (
            pdf_of([CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
            maybe,
            frozenset(),
        ),
        "parent-loop.pdf": (
            pdf_of(
                [
                    CATALOG,
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>",
                ]
            ),
            maybe,
            frozenset(),
        ),
        "self-reference.pdf": (pdf_of([b"1 0 R", PAGES]), fail, PARSE_ERRORS),
        "length-loop.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream"]),
            maybe,
            frozenset(),
        ),
        "bomb-content.pdf": (
            pdf_of([CATALOG, PAGES, PAGE, bomb_stream(BOMB_BYTES)]),
            maybe,
            frozenset(),
        ),
    }


def fake_cases() -> dict[str, tuple[bytes, frozenset[ErrorClass]]]:
    """Files that are not PDFs but say they are, by name or by a partial header."""
    not_pdf = frozenset({ErrorClass.NOT_PDF})
    return {
        "page.pdf": (b"<!DOCTYPE html><html><body><h1>Not a PDF</h1></body></html>\n", not_pdf),
        "archive.pdf": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200), not_pdf),
        "picture.pdf": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), not_pdf),
        "photo.pdf": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100), not_pdf),
        "program.pdf": (b"\x7fELF\x02\x01\x01" + bytes(200), not_pdf),
        "utf16.pdf": ("%PDF-1.4 in UTF-16".encode("utf-16"), not_pdf),
        "late-header.pdf": (b" " * 2048 + b"%PDF-1.4\n", not_pdf),
        "empty.pdf": (b"", frozenset({ErrorClass.EMPTY})),
        "blank.txt": (b" \n\t\n", frozenset({ErrorClass.EMPTY})),
        "header-only.pdf": (b"%PDF-", PARSE_ERRORS),
        # 0x98 is no Windows-1251 letter and no text holds a NUL: no encoding reads it
        "binary.txt": (b"\x98\x98\x98\x81\x00", frozenset({ErrorClass.UNSUPPORTED})),
    }


# Good files under names that break naive quoting, markup or line-based formats.
HOSTILE_NAMES = [
    "report [draft].pdf",
    "[red]markup[bold].pdf",  # a file name cannot hold "/", so no closing tags
    "[link=x]['Resources'].txt",
    "\"double\" and 'single' quotes.pdf",
    "line\nbreak.pdf",
    "tab\tand | pipe.md",
    "back\\slash.txt",
    "-rf --help.pdf",
    "$(echo hi) `id`.txt",
    "ملف عربي.pdf",
    "x" * 200 + ".pdf",
]
# Not valid UTF-8: a name such a file system may well hold (Latin-1 "café").
NON_UTF8_NAME = os.fsdecode(b"caf\xe9-latin1.pdf")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_hostile_corpus(
    folder: Path, font: Path, non_utf8_names: bool = True, sample: bool = False
) -> HostileCorpus:
    """Write the hostile files (and good files under hostile names) into ``folder``.

    ``sample`` writes about 25 of them (``SAMPLE``, a few truncations and flips, the links,
    the FIFO and the folder), for a quicker run.
    """
    folder.mkdir(parents=True, exist_ok=True)
    corpus = HostileCorpus(folder)
    rng = random.Random(SEED)
    base = good_pdf(font, SENTENCES[0], pages=3)

    def add(case: Case) -> None:
        if sample and case.path.parent == folder and case.path.name not in SAMPLE:
            case.path.unlink()
            return
        corpus.cases.append(case)

    truncations = SAMPLE_DAMAGED if sample else TRUNCATIONS
    for index in range(truncations):
        offset = int(len(base) * (index + 1) / (truncations + 1))
        path = _write(folder / f"truncated-{offset:06d}.pdf", base[:offset])
        corpus.cases.append(
            Case(path, Expect.MAY_READ, fault=f"truncated at byte {offset} of {len(base)}")
        )
    flipped = SAMPLE_DAMAGED if sample else FLIPPED_FILES
    for index in range(flipped):
        data = bytearray(base)
        count = rng.choice((1, 4, 16, 64))
        for _ in range(count):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path = _write(folder / f"flipped-{index:02d}.pdf", bytes(data))
        corpus.cases.append(
            Case(path, Expect.MAY_READ, fault=f"{count} random bits flipped (seed {SEED})")
        )

    for name, (data, expect, classes) in structural_cases().items():
        add(Case(_write(folder / name, data), expect, classes, fault=name.removesuffix(".pdf")))
    for name, (data, classes) in fake_cases().items():
        add(Case(_write(folder / name, data), Expect.MUST_FAIL, classes, fault="fake or empty"))

    encrypted = frozenset({ErrorClass.ENCRYPTED})
    for name, user, owner, strength in (
        ("locked-user-40.pdf", "secret", "owner", 40),
        ("locked-user-128.pdf", "secret", "owner", 128),
        ("locked-same.pdf", "secret", "secret", 128),
    ):
        data = good_pdf(font, SENTENCES[1], encrypt=_encryption(user, owner, strength))
        add(Case(_write(folder / name, data), Expect.MUST_FAIL, encrypted, fault="password"))
    # An owner password alone restricts printing or copying, not reading: readers open it.
    owner_only = good_pdf(font, SENTENCES[2] + " owner", encrypt=_encryption("", "owner", 128))
    add(Case(_write(folder / "owner-only.pdf", owner_only), Expect.GOOD, fault="owner password"))

    if not sample:
        many = good_pdf(font, SENTENCES[2], pages=MANY_PAGES)
        add(Case(_write(folder / "many-pages.pdf", many), Expect.MAY_READ, fault="2000 pages"))
    for name, size in (("huge-page.pdf", (14400.0, 14400.0)), ("giant-page.pdf", (1e7, 1e7))):
        data = good_pdf(font, SENTENCES[1] + f" {name}", pagesize=size)
        add(Case(_write(folder / name, data), Expect.MAY_READ, fault=f"MediaBox {size[0]:g}"))

    for index, name in enumerate(HOSTILE_NAMES):
        text = f"{SENTENCES[index % 3]} Выпуск {index}."
        data = good_pdf(font, text) if name.endswith(".pdf") else (text + "\n").encode()
        add(Case(_write(folder / name, data), Expect.GOOD, fault="hostile name"))
    if non_utf8_names and not sample:
        path = _write(folder / NON_UTF8_NAME, good_pdf(font, SENTENCES[0] + " café"))
        add(Case(path, Expect.GOOD, fault="name not valid UTF-8"))

    not_a_file = frozenset({ErrorClass.UNSUPPORTED})
    (folder / "dangling.pdf").symlink_to(folder / "gone.pdf")
    corpus.cases.append(
        Case(folder / "dangling.pdf", Expect.MUST_FAIL, not_a_file, fault="dangling link")
    )
    (folder / "loop.pdf").symlink_to(folder / "loop.pdf")
    corpus.cases.append(
        Case(folder / "loop.pdf", Expect.MUST_FAIL, not_a_file, fault="link to itself")
    )
    os.mkfifo(folder / "pipe.pdf")
    corpus.cases.append(Case(folder / "pipe.pdf", Expect.MUST_FAIL, not_a_file, fault="FIFO"))
    (folder / "zero.pdf").symlink_to("/dev/zero")
    corpus.skipped.append(folder / "zero.pdf")  # leads out of the folder: never followed
    inside = folder / "folder.pdf"
    inside.mkdir()
    corpus.skipped.append(inside)
    text = SENTENCES[1] + " Inside a folder named folder.pdf."
    corpus.cases.append(
        Case(_write(inside / "inside.txt", text.encode()), Expect.GOOD, fault="folder .pdf")
    )
    return corpus


def _encryption(user: str, owner: str, strength: int) -> pdfencrypt.StandardEncryption:
    return pdfencrypt.StandardEncryption(user, owner, strength=strength)
