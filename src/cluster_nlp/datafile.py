"""Data files (YAML) read into validated pydantic models; every problem is one line.

Taxonomy, gazetteers, word lists and thresholds are data, not code: each is read here, so a
broken file always fails the same way, naming the file, the place in it and the fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


def validation_message(err: ValidationError) -> str:
    """The first problem of a pydantic error, on one line, with how many more there are."""
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "top level"
    message = first["msg"].removeprefix("Value error, ")
    more = err.error_count() - 1
    return f"{where}: {message}" + (f" (and {more} more)" if more else "")


def load_yaml_model(
    path: Path, model: type[ModelT], error: type[Exception], label: str | None = None
) -> ModelT:
    """``path`` parsed as YAML and validated as ``model``; faults raise ``error``."""
    name = label or path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise error(f"{name}: cannot read ({err.strerror})") from err
    except yaml.YAMLError as err:
        raise error(f"{name}: not valid YAML ({' '.join(str(err).split())})") from err
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise error(f"{name}: {validation_message(err)}") from err
