"""The corpus's global requirements (``requirements.yaml``), validated at load."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cluster_nlp.corpus.schema import CorpusError, LabelSet
from cluster_nlp.datafile import load_yaml_model

DEFAULT_REQUIREMENTS_PATH = Path(__file__).parent / "requirements.yaml"


class CorpusRequirements(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min_documents: int = Field(ge=0)
    min_share_ru: float = Field(ge=0.0, le=1.0)
    min_docs_per_label: int = Field(ge=0)
    min_docs_with_entities: int = Field(ge=0)
    min_docs_with_entities_per_lang: int = Field(ge=0)
    test_share: float = Field(gt=0.0, lt=1.0)
    min_negative_documents: int = Field(ge=0)
    negative_max_labels: int = Field(ge=0)
    # Every record must carry rationales (``rationales`` not null) / a writing batch.
    rationales_required: bool = False
    batch_required: bool = False
    # Writing batches held out as the test split. Real documents are written by people who
    # wrote none of the training data, so when this is set the split is drawn by writer: a
    # document is in test exactly when its batch is listed here, wherever it was before.
    held_out_batches: list[str] = []

    def is_negative(self, labels: LabelSet) -> bool:
        return labels.total <= self.negative_max_labels


def load_requirements(path: Path | None = None) -> CorpusRequirements:
    return load_yaml_model(path or DEFAULT_REQUIREMENTS_PATH, CorpusRequirements, CorpusError)
