"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_root() -> Path | None:
    """The read-only ``shared/`` folder beside the repository, when it exists."""
    configured = os.environ.get("CLUSTER_NLP_SHARED")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    root = shared_root()
    if root is None:
        pytest.skip("../shared is not present on this machine")
    return root


@pytest.fixture(scope="session")
def real_pdfs(shared_dir: Path) -> Path:
    folder = shared_dir / "pdfs" / "real"
    if not folder.is_dir():
        pytest.skip("../shared/pdfs/real is not present on this machine")
    return folder


@pytest.fixture(scope="session")
def dejavu_font() -> Path:
    """A Cyrillic TrueType font for reportlab-made fixtures (Debian's fonts-dejavu-core)."""
    for candidate in (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    ):
        if candidate.is_file():
            return candidate
    pytest.fail("DejaVuSans.ttf is missing: `make test` installs fonts-dejavu-core")
