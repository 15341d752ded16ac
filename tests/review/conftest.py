"""A small tagged store, an app on it, and clients signed in or not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from review_store import (
    PASSWORD,
    build_document,
    entity,
    sign_in,
    store_network_and_novosibirsk,
    store_tagged,
)

from cluster_nlp.review.app import create_app
from cluster_nlp.review.auth import add_user
from cluster_nlp.store.db import open_store

MOSCOW_CLUSTER = "Московский инновационный кластер"


@dataclass
class ReviewStore:
    url: str
    ids: dict[str, str]  # short name -> document id


@pytest.fixture
def review_store(tmp_path: Path) -> ReviewStore:
    url = f"sqlite:///{tmp_path}/review.db"
    sessions = open_store(url)
    moscow = build_document(
        "inbox/moscow.pdf",
        [
            f"{MOSCOW_CLUSTER} поддерживает стартапы в области искусственного интеллекта "
            "и проводит конференции для разработчиков ИИ.",
            "Ассоциация участников подписала соглашение о подготовке специалистов в Москве.",
        ],
        title="Московский кластер ИИ",
    )
    ids = {
        "moscow": store_tagged(
            sessions,
            moscow,
            [
                entity(moscow, MOSCOW_CLUSTER, "CLUSTER"),
                entity(moscow, "Москве", "LOC", region_code="RU-MOW", country_code="RU"),
            ],
        ),
        **store_network_and_novosibirsk(sessions),
    }
    add_user(sessions, "analyst", PASSWORD)
    return ReviewStore(url=url, ids=ids)


@pytest.fixture
def app(review_store: ReviewStore, tmp_path: Path):
    models = tmp_path / "models"
    models.mkdir()
    return create_app(review_store.url, models_dir=models, files_root=tmp_path)


@pytest.fixture
def anonymous(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def client(app) -> TestClient:
    signed_in = TestClient(app, follow_redirects=False)
    response = sign_in(signed_in)
    assert response.status_code == 303, response.text
    return signed_in
