"""The packaged data files validate, and a bad value is refused with the field named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cluster_nlp.ingest import settings


@pytest.mark.parametrize(
    "loader",
    [
        settings.engine_settings,
        settings.layout_settings,
        settings.hyphenation_settings,
        settings.furniture_settings,
        settings.table_settings,
        settings.quality_settings,
        settings.language_settings,
        settings.title_settings,
        settings.ocr_settings,
    ],
)
def test_packaged_data_files_load(loader):
    assert loader() is loader()  # validated once, then cached


def test_invalid_values_are_refused():
    good = settings.layout_settings().model_dump()
    with pytest.raises(ValidationError, match="row_overlap"):
        settings.LayoutSettings.model_validate({**good, "row_overlap": 1.5})
    with pytest.raises(ValidationError, match="unknown_threshold"):
        settings.LayoutSettings.model_validate({**good, "unknown_threshold": 1})
    with pytest.raises(ValidationError, match="line_overlap must be above row_overlap"):
        settings.LayoutSettings.model_validate({**good, "line_overlap": good["row_overlap"]})


def test_patterns_are_compiled_and_checked():
    furniture = settings.furniture_settings()
    assert any(pattern.match("-#-") for pattern in furniture.page_number_patterns)
    good = furniture.model_dump()
    good["page_number_patterns"] = ["(unclosed"]
    with pytest.raises(Exception, match="unterminated|missing"):
        settings.FurnitureSettings.model_validate(good)
