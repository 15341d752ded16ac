"""Plain text and Markdown files as one-page documents."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cluster_nlp.ingest import ExtractionError, extract
from cluster_nlp.statuses import DocumentStatus


def test_text_file_paragraphs_become_passages(tmp_path: Path):
    path = tmp_path / "news.txt"
    content = (
        "Кластер в Томске объединяет\nуниверситеты и компании. Процесс класте-\nризации идёт."
        "\n\n\nВторой абзац о технопарке.\n"
    )
    path.write_text(content, "utf-8")
    document = extract(path)
    assert document.status is DocumentStatus.OK
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [passage.text for passage in document.passages] == [
        "Кластер в Томске объединяет университеты и компании. Процесс кластеризации идёт.",
        "Второй абзац о технопарке.",
    ]
    assert document.lang == "ru" and document.engine == "text"
    assert document.page_count == 1 and document.pages[0].engine == "text"
    for passage in document.passages:
        assert document.text[passage.start : passage.end] == passage.text
        assert passage.bbox is None


def test_markdown_headings_lists_and_code_keep_their_blocks(tmp_path: Path):
    path = tmp_path / "note.md"
    path.write_text(
        "# Заметка о кластерах\n\nТекст о технопарке\nв Томске.\n\n## Функции\n"
        "- поддержка стартапов\n- трансфер технологий\n\n```\ncode  block\n```\n",
        "utf-8",
    )
    document = extract(path)
    assert document.title == "Заметка о кластерах"
    assert [passage.text for passage in document.passages] == [
        "# Заметка о кластерах",
        "Текст о технопарке в Томске.",
        "## Функции",
        "- поддержка стартапов",
        "- трансфер технологий",
        "```\ncode  block\n```",
    ]


def test_windows_line_ends_and_byte_order_mark(tmp_path: Path):
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffAI Sweden opened a hub.\r\n\r\nA second paragraph.\r\n".encode("utf-8"))
    document = extract(path)
    assert [passage.text for passage in document.passages] == [
        "AI Sweden opened a hub.",
        "A second paragraph.",
    ]


LEGACY_TEXT = "Кластер в Томске объединяет университеты.\r\n\r\nВторой абзац о технопарке."


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("windows.txt", "cp1251"),
        ("short.md", "cp1251"),
        ("bom.txt", "utf-16"),
        ("little.txt", "utf-16-le"),
        ("big.txt", "utf-16-be"),
        ("old.txt", "koi8-r"),
    ],
)
def test_legacy_encodings_are_detected(tmp_path: Path, name, encoding):
    path = tmp_path / name
    path.write_bytes(LEGACY_TEXT.encode(encoding))
    document = extract(path)
    assert document.status is DocumentStatus.OK
    assert [passage.text for passage in document.passages] == [
        "Кластер в Томске объединяет университеты.",
        "Второй абзац о технопарке.",
    ]
    assert document.lang == "ru"


@pytest.mark.parametrize("word", ["Кластер", "Фонд", "Томск"])
def test_a_single_cp1251_word_is_not_taken_for_another_script(tmp_path: Path, word):
    path = tmp_path / "word.txt"
    path.write_bytes(word.encode("cp1251"))
    assert extract(path).passages[0].text == word


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("binary.txt", bytes(range(256)) * 3, "not readable text: byte 0x80 at offset 128"),
        ("spaces.txt", b" \n\t\n", "empty text"),
        ("zero.md", b"", "empty file (0 bytes)"),
    ],
)
def test_unreadable_text_files(tmp_path: Path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExtractionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        extract(path)
