"""The corpus markdown dialect: structure, plain text, and malformed sources."""

from __future__ import annotations

import pytest

from cluster_nlp.corpus.markdown import (
    Heading,
    ListBlock,
    MarkdownError,
    Paragraph,
    TableBlock,
    parse_markdown,
    plain_text,
)

SOURCE = """# Отчёт кластера за 2023 год

## Итоги

Кластер объединил 45 компаний[^1] и провёл форум.

- акселератор для стартапов
- курсы для инженеров

1. первое решение
2. второе решение

| Показатель | Значение |
|---|---:|
| Участники | 45 |
| Гранты[^2] | 12 |

### Планы

Строка, перенесённая
вручную, собирается в один абзац.

[^1]: По данным управляющей компании.
[^2]: Без учёта федеральных.
"""


def test_blocks_are_parsed_in_order() -> None:
    document = parse_markdown(SOURCE)
    assert document.title == "Отчёт кластера за 2023 год"
    assert document.blocks == (
        Heading(2, "Итоги"),
        Paragraph("Кластер объединил 45 компаний[^1] и провёл форум."),
        ListBlock(("акселератор для стартапов", "курсы для инженеров")),
        ListBlock(("первое решение", "второе решение"), ordered=True),
        TableBlock(("Показатель", "Значение"), (("Участники", "45"), ("Гранты[^2]", "12"))),
        Heading(3, "Планы"),
        Paragraph("Строка, перенесённая вручную, собирается в один абзац."),
    )
    assert document.footnotes == {
        "1": "По данным управляющей компании.",
        "2": "Без учёта федеральных.",
    }


def test_plain_text_drops_syntax_and_markers() -> None:
    text = plain_text(parse_markdown(SOURCE))
    for syntax in ("#", "|", "[^", "---", "- акселератор", "1. первое"):
        assert syntax not in text
    assert text.startswith(
        "Отчёт кластера за 2023 год\n\nИтоги\n\nКластер объединил 45 компаний и провёл"
    )
    assert "Показатель Значение\nУчастники 45\nГранты 12" in text
    assert text.endswith("По данным управляющей компании.\n\nБез учёта федеральных.")


def test_footnotes_follow_reference_order() -> None:
    source = "# T\n\nB[^b] then A[^a].\n\n[^a]: note a\n[^b]: note b\n"
    assert list(parse_markdown(source).footnotes) == ["b", "a"]


def test_paragraph_next_to_a_list_is_split() -> None:
    document = parse_markdown("# T\n\nЗадачи:\n- одна\n- две\nИтог.\n")
    assert document.blocks == (Paragraph("Задачи:"), ListBlock(("одна", "две")), Paragraph("Итог."))


@pytest.mark.parametrize(
    ("source", "title", "preamble", "blocks"),
    [
        ("# Заголовок\n\nТекст.\n", "Заголовок", (), (Paragraph("Текст."),)),
        (
            "Главная > Новости\n\n12.03.2025\n\n# Заголовок\n\nТекст.\n",
            "Заголовок",
            (Paragraph("Главная > Новости"), Paragraph("12.03.2025")),
            (Paragraph("Текст."),),
        ),
        ("1.2. Утвердить программу.\n", None, (), (Paragraph("1.2. Утвердить программу."),)),
        ("## Раздел\n\nТекст\n", None, (), (Heading(2, "Раздел"), Paragraph("Текст"))),
    ],
)
def test_site_furniture_before_the_title_and_untitled_excerpts(
    source: str, title: str | None, preamble: tuple, blocks: tuple
) -> None:
    document = parse_markdown(source)
    assert (document.title, document.preamble, document.blocks) == (title, preamble, blocks)


def test_plain_text_reads_the_preamble_before_the_title() -> None:
    document = parse_markdown("Главная > Новости\n\n# Заголовок\n\nТекст.\n")
    assert plain_text(document) == "Главная > Новости\n\nЗаголовок\n\nТекст."


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "line 1: the document is empty"),
        ("  \n\n", "line 1: the document is empty"),
        ("# T\n\n# Второй заголовок\n", "line 3: a second '# Title'"),
        ("Главная > Новости\n\n# T\n\n# Ещё\n", "line 5: a second '# Title'"),
        ("# T\n\n| a | b |\n| 1 | 2 |\n", "line 4: the second table row must be |---|---|"),
        ("# T\n\n| a | b |\n", "line 3: a table needs a header and a |---| row"),
        ("# T\n\n| a | b |\n|---|---|\n| 1 | 2 | 3 |\n", "line 5: row has 3 cells, header has 2"),
        ("# T\n\n| a | b |\n|---|\n", "line 4: separator has 1 cells, header has 2"),
        ("# T\n\n| a | b\n|---|---|\n", "line 3: a table row must start and end with '|'"),
        ("# T\n\nТекст[^1].\n", "footnote [^1] is referenced but never defined"),
        (
            "# T\n\nТекст.\n\n[^1]: сноска\n",
            "line 5: footnote [^1] is defined but never referenced",
        ),
        ("# T\n\nТекст[^1].\n\n[^1]: а\n[^1]: б\n", "line 6: footnote [^1] is defined twice"),
        ("# T\n\nТекст[^1].\n\n[^1]:   \n", "line 5: footnote [^1] is empty"),
        (
            "# T\n\nТекст[^1].\n\n[^1]: а\n\nЕщё абзац.\n",
            "line 7: text after the footnote definitions",
        ),
    ],
)
def test_malformed_sources_name_the_line(source: str, message: str) -> None:
    with pytest.raises(MarkdownError) as caught:
        parse_markdown(source)
    assert str(caught.value) == message
