"""Page layouts of rendered corpus documents, chosen deterministically from the doc id."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# family -> (regular, bold, italic, bold italic) file names
FONT_FAMILIES: dict[str, tuple[str, str, str, str]] = {
    "DejaVuSans": (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ),
    "DejaVuSerif": (
        "DejaVuSerif.ttf",
        "DejaVuSerif-Bold.ttf",
        "DejaVuSerif-Italic.ttf",
        "DejaVuSerif-BoldItalic.ttf",
    ),
    "DejaVuSansCondensed": (
        "DejaVuSansCondensed.ttf",
        "DejaVuSansCondensed-Bold.ttf",
        "DejaVuSansCondensed-Oblique.ttf",
        "DejaVuSansCondensed-BoldOblique.ttf",
    ),
    "DejaVuSerifCondensed": (
        "DejaVuSerifCondensed.ttf",
        "DejaVuSerifCondensed-Bold.ttf",
        "DejaVuSerifCondensed-Italic.ttf",
        "DejaVuSerifCondensed-BoldItalic.ttf",
    ),
}
FontFamily = Literal["DejaVuSans", "DejaVuSerif", "DejaVuSansCondensed", "DejaVuSerifCondensed"]


class Layout(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lang: Literal["ru", "en"]
    page_size: Literal["A4", "Letter"] = "A4"
    columns: Literal[1, 2] = 1
    font: FontFamily = "DejaVuSerif"
    font_size: float = Field(10.0, ge=7.0, le=14.0)
    margin_mm: float = Field(20.0, ge=10.0, le=35.0)
    justified: bool = True
    hyphenate: bool = True
    header_text: str | None = None  # running header, e.g. the short title
    footer_text: str | None = None  # running footer beside the page number
    header_on_first_page: bool = False
    header_rule: bool = True
    page_numbers: Literal["dash", "of_total", "plain"] = "plain"
    page_number_align: Literal["center", "right"] = "center"
    footnotes: Literal["page", "endnotes"] = "endnotes"
    bullet: Literal["•", "–", "▪"] = "•"
    table_header_shade: bool = True


def layout_for(doc_id: str, lang: Literal["ru", "en"], title: str | None) -> Layout:
    """The layout of a corpus document: varied across ids, always the same for one id."""
    pick = hashlib.sha256(doc_id.encode("utf-8")).digest()
    short = short_title(title) if title else None  # an untitled excerpt has no running title
    running = pick[6] % 3  # 0: title in the header, 1: title in the footer, 2: no running title
    return Layout(
        lang=lang,
        page_size="Letter" if pick[0] % 4 == 0 else "A4",
        columns=2 if pick[1] % 3 == 0 else 1,
        font=list(FONT_FAMILIES)[pick[2] % len(FONT_FAMILIES)],
        font_size=(9.5, 10.0, 10.5, 11.0)[pick[3] % 4],
        margin_mm=(18.0, 20.0, 22.0, 25.0)[pick[4] % 4],
        justified=pick[5] % 6 != 0,
        header_text=short if running == 0 else None,
        footer_text=short if running == 1 else None,
        header_on_first_page=pick[7] % 2 == 0,
        header_rule=pick[8] % 3 != 0,
        page_numbers=("dash", "of_total", "plain")[pick[9] % 3],
        page_number_align="right" if pick[10] % 3 == 0 else "center",
        footnotes="page" if pick[11] % 2 == 0 else "endnotes",
        bullet=("•", "–", "▪")[pick[12] % 3],
        table_header_shade=pick[13] % 2 == 0,
    )


def short_title(title: str, limit: int = 60) -> str:
    """The title cut at a word boundary to fit a running header."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.:;—–-")
    return f"{cut}…"
