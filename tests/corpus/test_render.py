"""The renderer: PDFs read back with pdfplumber show the layout that was chosen."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from cluster_nlp.corpus import pdf_builder
from cluster_nlp.corpus.layout import FONT_FAMILIES, short_title
from cluster_nlp.corpus.markdown import MarkdownError
from cluster_nlp.corpus.render import Layout, RenderError, layout_for, render_markdown

SENTENCES = [
    "Межрегиональное взаимодействие исследовательских организаций ускоряет коммерциализацию.",
    "Высокотехнологичные предприятия формируют долгосрочные соглашения с университетами.",
    "Интеллектуальные транспортные системы тестируются на экспериментальных полигонах.",
    "Специализированная организация координирует взаимодействие участников и власти.",
    "Образовательные программы магистратуры разрабатываются совместно с работодателями.",
    "Инфраструктурные ограничения компенсируются государственными субсидиями и льготами.",
    "Телемедицинские сервисы распространяются в отдалённых муниципальных образованиях.",
    "Венчурные инвесторы оценивают перспективность технологических стартапов.",
]


def _body(paragraphs: int) -> str:
    return "\n\n".join(
        " ".join(SENTENCES[(p + k) % len(SENTENCES)] for k in range(5)) for p in range(paragraphs)
    )


MARKDOWN = f"""# Развитие регионального кластера искусственного интеллекта

## Введение

{_body(3)}

Участники кластера отмечают рост спроса[^1] на прикладные решения.

| Показатель | 2022 | 2023 |
|---|---|---|
| Участники | 41 | 52 |
| Проекты | 17 | 26 |

## Направления

- компьютерное зрение для промышленности
- обработка естественного языка

{_body(6)}

[^1]: Оценка управляющей компании кластера.
"""

ENGLISH = """# Regional AI cluster report

The consortium coordinates universities, manufacturers and municipal authorities across the region.

| Metric | Value |
|---|---|
| Members | 41 |
"""


def _render(tmp_path: Path, name: str, markdown: str = MARKDOWN, **options) -> tuple[Path, int]:
    layout = Layout(**{"lang": "ru", **options})
    result = render_markdown(markdown, tmp_path / f"{name}.pdf", layout)
    return result.path, result.pages


def _page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _words_crossing_middle(path: Path, page_number: int) -> int:
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[page_number]
        middle = page.width / 2
        # Only the text area: centred page numbers in the footer cross the middle by design.
        body = [
            w for w in page.extract_words() if 0.08 * page.height < w["top"] < 0.92 * page.height
        ]
        return sum(1 for word in body if word["x0"] < middle < word["x1"])


def test_layout_choice_is_deterministic_and_varied() -> None:
    layouts = [layout_for(f"ru-{n:03d}", "ru", "Заголовок документа") for n in range(1, 97)]
    assert layouts == [layout_for(f"ru-{n:03d}", "ru", "Заголовок документа") for n in range(1, 97)]
    assert {layout.columns for layout in layouts} == {1, 2}
    assert {layout.page_size for layout in layouts} == {"A4", "Letter"}
    assert {layout.font for layout in layouts} == set(FONT_FAMILIES)
    assert {layout.page_numbers for layout in layouts} == {"dash", "of_total", "plain"}
    assert {layout.footnotes for layout in layouts} == {"page", "endnotes"}
    assert any(layout.header_text for layout in layouts) and any(
        layout.footer_text for layout in layouts
    )
    two_columns = sum(layout.columns == 2 for layout in layouts) / len(layouts)
    assert 0.15 < two_columns < 0.6


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Короткий заголовок", "Короткий заголовок"),
        (
            "Стратегия развития искусственного интеллекта в Новосибирской области до 2030 года",
            "Стратегия развития искусственного интеллекта в…",
        ),
    ],
)
def test_short_title_cuts_at_a_word(title: str, expected: str) -> None:
    assert short_title(title, limit=50) == expected


@pytest.mark.parametrize(
    ("page_size", "width", "height"), [("A4", 595.3, 841.9), ("Letter", 612.0, 792.0)]
)
def test_page_size(tmp_path, page_size, width, height) -> None:
    path, pages = _render(tmp_path, page_size, page_size=page_size)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == pages >= 2
        assert pdf.pages[0].width == pytest.approx(width, abs=0.5)
        assert pdf.pages[0].height == pytest.approx(height, abs=0.5)


def test_two_columns_leave_the_middle_empty(tmp_path) -> None:
    one, _ = _render(tmp_path, "one", columns=1)
    two, pages = _render(tmp_path, "two", columns=2)
    assert pages >= 2
    # Page 2 has only running text: one column crosses the page middle, two columns never do.
    assert _words_crossing_middle(one, 1) > 5
    assert _words_crossing_middle(two, 1) == 0
    # The title of a two-column document spans the full width above the columns.
    assert _words_crossing_middle(two, 0) >= 1


@pytest.mark.parametrize("columns", [1, 2])
@pytest.mark.parametrize(
    "head",
    ["Главная / Новости / Регионы\n\n14 марта 2025\n\n# Кластер открыл приём заявок\n\n", ""],
    ids=["furniture-before-title", "untitled"],
)
def test_pages_with_furniture_or_no_title_render_in_reading_order(tmp_path, columns, head) -> None:
    path, _ = _render(tmp_path, "page", head + _body(4), columns=columns)
    first = _page_texts(path)[0].replace("\n", " ")
    assert SENTENCES[0].split()[0] in first
    if head:
        assert first.index("Главная") < first.index("14 марта 2025") < first.index("Кластер открыл")
        assert first.index("Кластер открыл") < first.index(SENTENCES[0].split()[0])


@pytest.mark.parametrize("columns", [1, 2])
def test_tables_are_ruled_and_found(tmp_path, columns) -> None:
    path, _ = _render(tmp_path, f"table{columns}", columns=columns)
    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            found += [table.extract() for table in page.find_tables()]
    assert found == [
        [["Показатель", "2022", "2023"], ["Участники", "41", "52"], ["Проекты", "17", "26"]]
    ]


@pytest.mark.parametrize(
    ("style", "lang", "first", "last"),
    [
        ("dash", "ru", "- 1 -", "- {n} -"),
        ("of_total", "ru", "Стр. 1 из {n}", "Стр. {n} из {n}"),
        ("of_total", "en", "Page 1 of {n}", "Page {n} of {n}"),
        ("plain", "ru", "1", "{n}"),
    ],
)
def test_page_numbers(tmp_path, style, lang, first, last) -> None:
    path, pages = _render(tmp_path, f"numbers-{style}-{lang}", page_numbers=style, lang=lang)
    texts = _page_texts(path)
    assert texts[0].splitlines()[-1] == first.format(n=pages)
    assert texts[-1].splitlines()[-1] == last.format(n=pages)


@pytest.mark.parametrize("on_first_page", [True, False])
def test_running_header_and_footer(tmp_path, on_first_page) -> None:
    path, _ = _render(
        tmp_path,
        f"header-{on_first_page}",
        header_text="Кластер ИИ: отчёт",
        header_on_first_page=on_first_page,
    )
    texts = _page_texts(path)
    assert texts[1].splitlines()[0] == "Кластер ИИ: отчёт"
    assert texts[0].splitlines()[0].startswith("Кластер ИИ: отчёт") is on_first_page

    footer, _ = _render(tmp_path, "footer", footer_text="АНО «Кластер»", page_numbers="plain")
    assert _page_texts(footer)[1].splitlines()[-1] == "АНО «Кластер» 2"


def test_footnote_on_the_page_of_its_reference(tmp_path) -> None:
    path, _ = _render(tmp_path, "page-notes", footnotes="page")
    texts = _page_texts(path)
    reference_page = next(i for i, text in enumerate(texts) if "рост спроса" in text)
    assert "Оценка управляющей компании кластера." in texts[reference_page]
    assert sum("Оценка управляющей компании" in text for text in texts) == 1
    assert not any("Примечания" in text for text in texts)


def test_endnotes_come_last(tmp_path) -> None:
    path, _ = _render(tmp_path, "endnotes", footnotes="endnotes")
    text = "\n".join(_page_texts(path))
    assert text.index("Примечания") < text.index("Оценка управляющей компании кластера.")
    assert text.index("Примечания") > text.index("обработка естественного языка")


def test_long_words_are_hyphenated(tmp_path) -> None:
    path, _ = _render(tmp_path, "hyphens", columns=2, justified=True, hyphenate=True)
    words = set(re.findall(r"\w+", MARKDOWN))
    lines = "\n".join(_page_texts(path)).splitlines()
    split_words = []
    for line, following in zip(lines, lines[1:], strict=False):
        head, tail = re.search(r"(\w+)-$", line), re.match(r"(\w+)", following)
        if head and tail:
            split_words.append(head.group(1) + tail.group(1))
    assert any(word in words for word in split_words), split_words[:10]

    plain, _ = _render(tmp_path, "no-hyphens", columns=2, hyphenate=False)
    plain_lines = "\n".join(_page_texts(plain)).splitlines()
    assert not any(re.search(r"\w-$", line) for line in plain_lines)


def test_bullets_and_fonts_are_as_chosen(tmp_path) -> None:
    path, _ = _render(tmp_path, "bullets", bullet="▪", font="DejaVuSansCondensed")
    text = "\n".join(_page_texts(path))
    assert "▪ компьютерное зрение для промышленности" in text
    with pdfplumber.open(path) as pdf:
        fonts = {char["fontname"].split("+")[-1] for char in pdf.pages[0].chars}
    assert "DejaVuSansCondensed-Bold" in fonts and "DejaVuSansCondensed" in fonts


def test_output_is_byte_reproducible(tmp_path) -> None:
    first, _ = _render(tmp_path, "first", columns=2, footnotes="page", header_text="Отчёт")
    second, _ = _render(tmp_path, "second", columns=2, footnotes="page", header_text="Отчёт")
    assert first.read_bytes() == second.read_bytes()
    other, _ = _render(tmp_path, "other", columns=1, footnotes="page", header_text="Отчёт")
    assert other.read_bytes() != first.read_bytes()


def test_output_is_byte_reproducible_across_processes(tmp_path) -> None:
    """A fresh interpreter (fonts registered anew, in another order) gives the same bytes."""
    here, _ = _render(tmp_path, "here", markdown=ENGLISH, lang="en", font="DejaVuSans")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from cluster_nlp.corpus.render import Layout, render_markdown\n"
        "out = Path(sys.argv[2])\n"
        "render_markdown(sys.argv[1], out / 'warmup.pdf', Layout(lang='ru', font='DejaVuSerif'))\n"
        "render_markdown(sys.argv[1], out / 'there.pdf', Layout(lang='en', font='DejaVuSans'))\n"
    )
    subprocess.run([sys.executable, "-c", script, ENGLISH, str(tmp_path)], check=True)
    digest = hashlib.sha256(here.read_bytes()).hexdigest()
    assert hashlib.sha256((tmp_path / "there.pdf").read_bytes()).hexdigest() == digest


def test_missing_fonts_name_the_package(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pdf_builder, "FONT_DIRS", (tmp_path / "no-fonts",))
    pdf_builder.register_fonts.cache_clear()
    try:
        with pytest.raises(RenderError) as caught:
            _render(tmp_path, "nofont", font="DejaVuSerif")
    finally:
        pdf_builder.register_fonts.cache_clear()
    assert "fonts-dejavu-core" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_markdown_errors_stop_rendering(tmp_path) -> None:
    with pytest.raises(MarkdownError, match="a second '# Title'"):
        _render(tmp_path, "broken", markdown="# One\n\n# Two\n")
    assert not (tmp_path / "broken.pdf").exists()
