"""The schema revisions of the migration scripts, read without importing Alembic or SQLAlchemy
(which cost a command a third of a second), so that a store already at the newest revision is
recognised with one query."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")


def _module_literals(source: str) -> dict[str, object]:
    """The literals a script assigns to plain names at module level (``revision = "0009"``,
    or ``revision: str = "0009"`` as newer Alembic templates write it)."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError:  # not a literal: no revision
                continue
    return found


@cache
def schema_heads() -> frozenset[str]:
    """The newest revisions of the migration scripts: those no other script revises.

    Read from the scripts' ``revision`` and ``down_revision`` without importing Alembic
    (which costs a command a third of a second); ``tests/store/test_documents.py`` checks it
    against Alembic's own answer.
    """
    revisions, revised = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = _module_literals(script.read_text())
        revisions.add(found["revision"])
        down = found.get("down_revision")
        revised.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - revised)
