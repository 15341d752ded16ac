"""``cluster-nlp extract`` on every real third-party PDF of ``shared/pdfs/real`` ends in JSON or
in a one-line error, never in a traceback (one of them, ``pdfjs__bug1020226.pdf``, used to
crash it: pdfminer's message holds ``[/'Resources']``, which rich took for markup)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = [pytest.mark.real_pdfs, pytest.mark.slow]  # a parser process per file: minutes

# The files are listed when the tests are collected (as tests/conftest.py finds ../shared);
# where the folder is absent there is nothing to list and the `real_pdfs` fixture skips.
SHARED = Path(
    os.environ.get("CLUSTER_NLP_SHARED") or Path(__file__).resolve().parents[3] / "shared"
)
FOLDER = SHARED / "pdfs" / "real"
NAMES = sorted(path.relative_to(FOLDER).as_posix() for path in FOLDER.rglob("*") if path.is_file())
runner = CliRunner()


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
@pytest.mark.parametrize("name", NAMES or ["(none)"])
def test_extract_ends_in_output_or_one_line_error(real_pdfs: Path, name: str, as_json: bool):
    path = real_pdfs / name
    result = runner.invoke(app, ["extract", str(path), *(["--json"] if as_json else [])])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 0:
        if as_json:
            assert json.loads(result.stdout)["path"] == str(path)
        else:
            assert result.stdout.strip()
        return
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}: ")
    if name.endswith("pdfjs__bug1020226.pdf"):  # the message that rich took for markup
        assert "[/'Resources']" in line
