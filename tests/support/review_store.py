"""Stores for the review app's tests: documents built from paragraphs, tagged by the keyword
baseline (no trained model), with entities placed by hand."""

from __future__ import annotations

import hashlib

from cluster_nlp.classify.predict import keyword_predictor, predict_document
from cluster_nlp.records import (
    BBox,
    DocumentStatus,
    Entity,
    ExtractedDocument,
    Page,
    PageQuality,
    Passage,
)
from cluster_nlp.store.documents import SessionFactory, save_document
from cluster_nlp.store.entities import save_entities
from cluster_nlp.store.predictions import save_prediction
from cluster_nlp.taxonomy import load_taxonomy

EXTRACTOR = "test-extractor"
PASSWORD = "correct horse battery"
PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0
QUALITY = PageQuality(grade=1.0, letters=100, letter_ratio=0.9, cyrillic_ratio=0.5)


def build_document(
    path: str, paragraphs: list[str], title: str | None = None, lang: str = "ru"
) -> ExtractedDocument:
    """One page; each paragraph a passage with a box, one below the other."""
    text = "\n\n".join(paragraphs)
    passages, start = [], 0
    for index, paragraph in enumerate(paragraphs):
        top = 60.0 + 40.0 * index
        passages.append(
            Passage(
                page=1,
                start=start,
                end=start + len(paragraph),
                text=paragraph,
                lang=lang,
                bbox=BBox(x0=50.0, top=top, x1=540.0, bottom=top + 30.0),
            )
        )
        start += len(paragraph) + 2
    page = Page(
        number=1,
        width=PAGE_WIDTH,
        height=PAGE_HEIGHT,
        text=text,
        engine="test",
        quality=QUALITY,
    )
    return ExtractedDocument(
        path=path,
        sha256=hashlib.sha256(f"{path}\n{text}".encode()).hexdigest(),
        status=DocumentStatus.OK,
        title=title,
        lang=lang,
        engine="test",
        text=text,
        pages=[page],
        passages=passages,
    )


def entity(document: ExtractedDocument, phrase: str, label: str, **normalized) -> Entity:
    start = document.text.index(phrase)
    return Entity(
        text=phrase,
        label=label,
        start=start,
        end=start + len(phrase),
        page=1,
        normalized=normalized or None,
        component="test",
    )


def store_tagged(
    sessions: SessionFactory, document: ExtractedDocument, entities: list[Entity] = ()
) -> str:
    """Store the document, its entities and the keyword baseline's prediction; its id."""
    save_document(sessions, document, size_bytes=len(document.text.encode()))
    save_entities(sessions, document.sha256, EXTRACTOR, list(entities))
    predictor = keyword_predictor(load_taxonomy())
    save_prediction(sessions, predict_document(document, predictor, EXTRACTOR))
    return document.sha256


def store_network_and_novosibirsk(sessions: SessionFactory) -> dict[str, str]:
    """Two of the small test store's documents, tagged: an English national network and a
    Novosibirsk territorial cluster (with its place); short name -> document id."""
    network = build_document(
        "inbox/network.txt",
        [
            "A national AI platform links developers; the association runs training and events.",
            "AI startups in the network receive grants and joint research projects.",
        ],
        title="Network report",
        lang="en",
    )
    novosibirsk = build_document(
        "inbox/nsk.pdf",
        [
            "Территориальный кластер искусственного интеллекта в Новосибирске развивает "
            "трансфер технологий и консорциум."
        ],
    )
    return {
        "network": store_tagged(sessions, network),
        "nsk": store_tagged(
            sessions,
            novosibirsk,
            [entity(novosibirsk, "Новосибирске", "LOC", region_code="RU-NVS", country_code="RU")],
        ),
    }


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client, name: str = "analyst", password: str = PASSWORD):
    """Post the login form as a browser would (its CSRF token from the form page)."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})
