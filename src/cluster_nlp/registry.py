"""Model versions on disk: ``models/<version>/`` folders and ``models/current``.

A version folder holds the model in skops format, ``metadata.json`` (hashes of the model,
the taxonomy and the training data; parameters), ``metrics.json`` and ``model-card.md``.
Loading checks the model's hash, refuses any type outside an explicit allow-list, and
refuses a model trained on another taxonomy, each with a one-line error.

Every file is read through ``_confined``: a path that resolves outside the models folder
(a symlink out, ``..``), anything but a regular file (a FIFO, ``/dev/zero``) and a file over
the size limit are refused before a byte is read, and no read goes past the limit.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cluster_nlp.config import get_settings
from cluster_nlp.taxonomy import Taxonomy

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "model-card.md"
CURRENT_FILE = "current"
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# metadata.json, metrics.json and current are a few kilobytes; anything larger is not ours.
SMALL_FILE_LIMIT = 4 * 1024 * 1024

# Types beyond skops's defaults that our models are made of. Anything else in a file is
# refused: skops only builds objects of trusted types, so a crafted file cannot run code.
# Named, not imported: the registry stores models and does not depend on what they are, so
# ``classify`` (which registers and loads models) can import it without a cycle.
MODEL_TYPES = frozenset(
    {
        "cluster_nlp.classify.model.GroupClassifier",
        "cluster_nlp.classify.passage_model.PassageClassifier",
    }
)
# What a passage model is made of besides scikit-learn's defaults: the splitter it keeps.
TRUSTED_TYPES = MODEL_TYPES | {"sklearn.model_selection._split.GroupKFold"}


def _type_name(value: object) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


class ModelFileError(ValueError):
    """A model folder or file is missing, tampered with, or holds types we do not trust."""


class TaxonomyMismatchError(ValueError):
    """The model was trained with a different taxonomy than the one in use."""


@dataclass(frozen=True)
class LoadedModel:
    version: str
    model_hash: str
    classifiers: dict[str, object]  # group -> fitted classifier (a type of MODEL_TYPES)
    metadata: dict


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def valid_version(version: str, source: str = "model version") -> str:
    if not VERSION_PATTERN.match(version):
        raise ModelFileError(f"invalid {source} name {version!r} (letters, digits, . _ -)")
    return version


def version_folder(models_dir: Path, version: str) -> Path:
    """The folder of ``version``, refusing names that could lead outside ``models_dir``."""
    return models_dir / valid_version(version)


def _confined(models_dir: Path, path: Path) -> Path:
    """``path`` resolved, refused when it leads outside ``models_dir`` (``..`` or a symlink)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(models_dir.resolve()):
        raise ModelFileError(f"{path} leads outside the models folder {models_dir}")
    return resolved


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is refused."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"{path} is not a regular file")
        if info.st_size > limit:
            raise ModelFileError(f"{path} is larger than the {limit} bytes allowed")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a file that grew since stat still stops here
    except OSError as error:
        raise ModelFileError(f"cannot read {path}: {error.strerror}") from error
    if len(data) > limit:
        raise ModelFileError(f"{path} is larger than the {limit} bytes allowed")
    return data


def _model_file_limit() -> int:
    return get_settings().model_file_mb * 1024 * 1024


def _read_json(models_dir: Path, path: Path) -> dict:
    data = read_limited(_confined(models_dir, path), SMALL_FILE_LIMIT)
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: not UTF-8 JSON ({error})") from error
    if not isinstance(payload, dict):
        raise ModelFileError(f"{path}: expected a JSON object")
    return payload


def new_version_name(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("v%Y%m%d-%H%M%S")


def save_version(
    models_dir: Path,
    version: str,
    classifiers: dict[str, object],
    metadata: dict,
    metrics: dict,
    card: str,
) -> Path:
    folder = version_folder(models_dir, version)
    import skops.io as sio  # with scikit-learn: only where models are written or read

    folder.mkdir(parents=True, exist_ok=False)
    data = sio.dumps(classifiers)
    (folder / MODEL_FILE).write_bytes(data)
    full_metadata = {**metadata, "version": version, "model_sha256": sha256_bytes(data)}
    (folder / METADATA_FILE).write_text(json.dumps(full_metadata, indent=2, ensure_ascii=False))
    (folder / METRICS_FILE).write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    (folder / CARD_FILE).write_text(card, encoding="utf-8")
    return folder


def read_metadata(models_dir: Path, version: str) -> dict:
    """A version's metadata, refused unless it names the model's hash and the taxonomy."""
    path = version_folder(models_dir, version) / METADATA_FILE
    if not path.exists():
        raise ModelFileError(f"model version {version!r} not found in {models_dir}")
    metadata = _read_json(models_dir, path)
    if not SHA256_PATTERN.match(str(metadata.get("model_sha256", ""))):
        raise ModelFileError(f"{path}: metadata lacks a valid model_sha256")
    if not isinstance(metadata.get("taxonomy_version"), str):
        raise ModelFileError(f"{path}: metadata lacks taxonomy_version")
    return metadata


def read_metrics(models_dir: Path, version: str) -> dict:
    path = version_folder(models_dir, version) / METRICS_FILE
    return _read_json(models_dir, path) if path.exists() else {}


def _read_whole(path: Path, expected_sha256: str | None) -> bytes:
    """A model file's bytes, refused when they are not those recorded."""
    data = read_limited(path, _model_file_limit())
    if expected_sha256 is not None and sha256_bytes(data) != expected_sha256:
        raise ModelFileError(f"{path} does not match its recorded hash: tampered or corrupted")
    return data


def load_classifiers(path: Path, expected_sha256: str | None = None) -> dict[str, object]:
    """Load a skops model file, refusing tampered bytes, untrusted types and oversized files."""
    import skops.io as sio

    data = _read_whole(path, expected_sha256)
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as error:  # skops raises assorted errors on bytes that are not its format
        raise ModelFileError(
            f"{path} is not a skops model file ({type(error).__name__})"
        ) from error
    refused = sorted(set(untrusted) - TRUSTED_TYPES)
    if refused:
        raise ModelFileError(
            f"{path} holds untrusted types, refusing to load: {', '.join(refused[:3])}"
        )
    classifiers = sio.loads(data, trusted=list(untrusted))
    if not isinstance(classifiers, dict) or not all(
        _type_name(model) in MODEL_TYPES for model in classifiers.values()
    ):
        raise ModelFileError(f"{path} does not hold cluster-nlp group classifiers")
    return classifiers


def current_version(models_dir: Path) -> str | None:
    """The promoted version named in ``models/current``, checked like any version name."""
    path = models_dir / CURRENT_FILE
    if not path.exists() and not path.is_symlink():
        return None
    data = read_limited(_confined(models_dir, path), SMALL_FILE_LIMIT)
    try:
        name = data.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise ModelFileError(f"{path}: not UTF-8") from error
    return valid_version(name, f"version in {path}") if name else None


def check_version(
    models_dir: Path, taxonomy: Taxonomy, version: str | None = None
) -> tuple[str, dict]:
    """The version (default: the current one) and its metadata, once its model file is found
    whole and trained with ``taxonomy``; the classifiers are not loaded (nor scikit-learn)."""
    version = version or current_version(models_dir)
    if version is None:
        raise ModelFileError(f"no model promoted in {models_dir}: run `cluster-nlp train`")
    metadata = read_metadata(models_dir, version)
    trained_with = metadata["taxonomy_version"]
    if trained_with != taxonomy.version:
        raise TaxonomyMismatchError(
            f"model {version} was trained with taxonomy {trained_with[:12]}, "
            f"the taxonomy in use is {taxonomy.version[:12]}: retrain with `cluster-nlp train`"
        )
    _read_whole(_model_path(models_dir, version), metadata["model_sha256"])
    return version, metadata


def _model_path(models_dir: Path, version: str) -> Path:
    return _confined(models_dir, version_folder(models_dir, version) / MODEL_FILE)


def load_version(models_dir: Path, taxonomy: Taxonomy, version: str | None = None) -> LoadedModel:
    version, metadata = check_version(models_dir, taxonomy, version)
    classifiers = load_classifiers(_model_path(models_dir, version), metadata["model_sha256"])
    return LoadedModel(version, metadata["model_sha256"], classifiers, metadata)


def list_versions(models_dir: Path) -> list[dict]:
    """Every version folder's metadata; a folder whose metadata is refused says why (``error``)."""
    current = current_version(models_dir)
    versions = []
    for path in sorted(models_dir.glob("*/" + METADATA_FILE)):
        name = path.parent.name
        try:
            metadata = read_metadata(models_dir, name)
        except ModelFileError as error:
            versions.append({"version": name, "current": name == current, "error": str(error)})
            continue
        versions.append({**metadata, "version": name, "current": name == current})
    return versions


def promote(models_dir: Path, version: str) -> None:
    read_metadata(models_dir, version)  # refuses unknown versions
    partial = models_dir / f".{CURRENT_FILE}.partial"
    partial.write_text(version + "\n", encoding="utf-8")
    partial.replace(models_dir / CURRENT_FILE)
