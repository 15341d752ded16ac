"""Grading a text layer, and repairing cp1251 read as Latin-1 (pure)."""

from __future__ import annotations

import pytest

from cluster_nlp.ingest.quality import (
    grade,
    is_cp1251_mojibake,
    is_damaged,
    is_usable,
    repair_cp1251,
)

GOOD_RU = (
    "Новосибирский кластер искусственного интеллекта объединяет университеты, институты и "
    "компании региона."
)
GOOD_EN = (
    "The cluster brings together universities, research institutes and companies of the region "
    "around AI."
)
LOOKALIKE = (
    "PaJ,Qen 1.1. CyMMa Hanora (aeaHcoeoro nnaTe>Ka no Hanory), ynnaliiBaeMoro B CB~3lil c "
    "npliiMeHeHlileM ynpo111eHHOali CliiCTeMbl Hanoroo6no>KeHlil~ (o6beKT Hanoroo6no>KeHlil~ - "
    ".QOXO.Qbl), no,Qlle>Kallla~ ynnaTe (yMeHbWeHliltO), no ,QaHHbiM HanoronnaTellbll.lliiKa "
    "noK838menu Ko.Q no OKTMO CyMM8 8B8Hcosoro"
)
CP1251 = "Óñëîâíîå ìàòåìàòè÷åñêîå îæèäàíèå è äèñïåðñèÿ ñëó÷àéíîé âåëè÷èíû"
CID = "(cid:12)(cid:13)(cid:44) (cid:55)(cid:66)(cid:3) (cid:1)(cid:2)(cid:3) (cid:4)(cid:5) ab"
DIGITS = "12 345 678 90 1 2 3 4 5 6 7 8 9 10 11 12"
SHIFTED = "3HQČåQtSURVWĜHGN\\QD~þWHFK"
CONTROL = "\x04\x05\x06\x04\x07\x08\t\n\x08\x0b\x0c\x04\x08\r\x04\x0e\x0c\x0f\t\x10 Overview"
CODE_AND_CAMEL = 3 * (
    "summary(model$residuals) featureType hasGeometry iPhone McDonald JavaScript the model "
    "fits well "
)


@pytest.mark.parametrize(
    ("text", "usable", "damaged", "issue", "cyrillic"),
    [
        (GOOD_RU, True, False, None, 1.0),
        (GOOD_EN, True, False, None, 0.0),
        (CODE_AND_CAMEL, True, False, None, 0.0),
        (LOOKALIKE, False, True, "lookalike_latin", 0.0),
        (SHIFTED, False, True, "lookalike_latin", 0.0),
        (CID, False, True, "cid_placeholders", 0.0),
        (CONTROL, False, True, "control_chars", 0.0),
        (DIGITS, False, False, "few_letters", 0.0),
        ("", False, False, "few_letters", 0.0),
        ("Заголовок \ufffd\ufffd\ufffd\ufffd \ufffd\ufffd", False, True, "replacement_chars", 1.0),
        (
            "Текст \ue001\ue002\ue003\ue004\ue005 \ue006\ue007",
            False,
            True,
            "private_use_chars",
            1.0,
        ),
        (
            "1 OVERVIEW......................................6 2 LRS.......................7",
            True,
            False,
            None,
            0.0,
        ),
    ],
    ids=[
        "ru",
        "en",
        "code-camel",
        "lookalike",
        "shifted",
        "cid",
        "control",
        "digits",
        "empty",
        "fffd",
        "pua",
        "toc",
    ],
)
def test_grade(text, usable, damaged, issue, cyrillic):
    quality = grade(text)
    assert is_usable(quality) is usable
    assert is_damaged(quality) is damaged
    assert (issue in quality.issues) if issue else quality.issues == ()
    assert quality.cyrillic_ratio == pytest.approx(cyrillic, abs=0.01)
    assert 0.0 <= quality.grade <= 1.0


def test_cp1251_mojibake_is_repaired_not_graded_away():
    assert is_cp1251_mojibake(CP1251)
    repaired = repair_cp1251(CP1251)
    assert repaired.startswith("Условное математическое ожидание и дисперсия")
    quality = grade(repaired, repaired=True)
    assert quality.repaired and quality.cyrillic_ratio == 1.0 and is_usable(quality)


@pytest.mark.parametrize(
    "text",
    ["Le café de Québec est à côté de l'école générale.", "Größe und Übermaß", GOOD_EN, "Óñë 1"],
)
def test_latin_accents_are_not_mistaken_for_cp1251(text):
    assert not is_cp1251_mojibake(text)


def test_repair_leaves_latin_words_with_accents_alone():
    assert repair_cp1251("Ðàçäåë 1. café et général") == "Раздел 1. café et général"
