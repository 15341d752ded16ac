"""``cluster-nlp extract`` on every real third-party PDF of ``shared/pdfs/real`` ends in JSON or
in a one-line error, never in a traceback (one of them, ``pdfjs__bug1020226.pdf``, used to
crash it: pdfminer's message holds ``[/'Resources']``, which rich took for markup)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = [pytest.mark.real_pdfs, pytest.mark.slow]  # a parser process per file: minutes

runner = CliRunner()


@pytest.fixture(scope="module")
def real_files(real_pdfs: Path) -> list[Path]:
    files = sorted(path for path in real_pdfs.rglob("*") if path.is_file())
    assert files
    return files


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_extract_ends_in_output_or_one_line_error_on_every_real_file(real_files, as_json):
    outcomes = {}
    for path in real_files:
        result = runner.invoke(app, ["extract", str(path), *(["--json"] if as_json else [])])
        name = path.name
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            name,
            repr(result.exception),
        )
        if result.exit_code == 0:
            if as_json:
                assert json.loads(result.stdout)["path"] == str(path), name
            else:
                assert result.stdout.strip(), name
            outcomes[name] = "ok"
        else:
            assert result.exit_code == 1, (name, result.exit_code)
            (line,) = result.stderr.strip().splitlines()
            assert line.startswith(f"error: {path}: "), line
            outcomes[name] = line
    # The file whose error message holds markup is reported, not crashed on.
    assert "[/'Resources']" in outcomes.get("pdfjs__bug1020226.pdf", "[/'Resources']")
