"""The library stays importable and testable without Prefect (Core + Flow)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cluster_nlp"
FORBIDDEN_IN_LIBRARY = ("prefect", "prefect_dask")
UNSAFE_LOADERS = ("pickle", "joblib", "dill", "cloudpickle")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


LIBRARY_FILES = sorted(SRC.rglob("*.py"))


def test_library_has_modules():
    assert len(LIBRARY_FILES) > 5


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_library_never_imports_prefect_or_unsafe_loaders(path: Path):
    imported = imported_modules(path)
    assert not imported & set(FORBIDDEN_IN_LIBRARY), f"{path} imports Prefect"
    assert not imported & set(UNSAFE_LOADERS), f"{path} imports an unsafe deserialiser"
