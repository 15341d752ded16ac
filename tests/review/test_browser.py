"""End to end in a real browser: Playwright drives Debian's chromium against the app on localhost.

The store is built the way production builds it: PDFs drawn with reportlab are ingested by the
ingest pipeline and tagged by the keyword baseline of the tiny taxonomy (no trained model is
loaded by the app). The test signs in, filters, searches, opens a document, sees an evidence
passage highlighted in the text and boxed on the rendered page, rejects a label and adds
another, and then finds the decision in ``export-labels`` output, in the examples the next
retrain reads, and in the metadata of a candidate trained with them. It saves the screenshots
the README shows (docs/review-*.png).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from pdf_drawing import FONT, register_font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from review_store import PASSWORD
from tiny_corpus import SENTENCES, make_corpus, write_taxonomy
from typer.testing import CliRunner

from cluster_nlp.classify.data import decision_texts
from cluster_nlp.classify.predict import keyword_predictor, predict_document
from cluster_nlp.cli import app as cli_app
from cluster_nlp.ingest.pipeline import ingest
from cluster_nlp.nlp.normalize import find_locations
from cluster_nlp.records import Entity
from cluster_nlp.review.app import create_app
from cluster_nlp.review.auth import add_user
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import load_document
from cluster_nlp.store.entities import save_entities
from cluster_nlp.store.predictions import save_prediction
from cluster_nlp.taxonomy import load_taxonomy

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS = Path(__file__).resolve().parents[2] / "docs"
# The README's screenshots are rewritten only when asked: a test run leaves the tree as it was.
REFRESH_SCREENSHOTS = "CLUSTER_NLP_REFRESH_SCREENSHOTS"
CLUSTER_NAME = "Новосибирский кластер ИИ"
# Each PDF: pages of paragraphs; the sentences carry the tiny taxonomy's labels.
PDFS = {
    "akademgorodok.pdf": [
        [
            f"{CLUSTER_NAME} объединяет институты и компании региона.",
            SENTENCES["territorial"][1],
            SENTENCES["startup_support"][0],
        ],
        [SENTENCES["education_training"][0], SENTENCES["consortium"][0]],
    ],
    "network.pdf": [
        [
            SENTENCES["national_network"][0],
            SENTENCES["association"][0],
            "Больше всего участников работают в Москве, Казани и Томске.",
        ]
    ],
    "hackathon.pdf": [
        [
            SENTENCES["events_popularization"][0],
            SENTENCES["association"][1],
            "Хакатон прошёл в Казани, финал состоялся в Москве.",
        ]
    ],
}


def draw_pdf(path: Path, font: Path, pages: list[list[str]]) -> None:
    register_font(font)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for paragraphs in pages:
        pdf.setFont(FONT, 10)
        y = 780.0
        for paragraph in paragraphs:
            words, line = paragraph.split(), ""
            for word in words:  # wrap at about 80 characters
                if len(line) + len(word) > 80:
                    pdf.drawString(60, y, line)
                    y, line = y - 14, ""
                line = f"{line} {word}".strip()
            pdf.drawString(60, y, line)
            y -= 34
        pdf.showPage()
    pdf.save()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site(tmp_path: Path, dejavu_font: Path):
    """The app on a free localhost port, over a store built from ingested PDFs."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, pages in PDFS.items():
        draw_pdf(inbox / name, dejavu_font, pages)
    taxonomy_path = write_taxonomy(tmp_path)
    taxonomy = load_taxonomy(taxonomy_path)
    url = f"sqlite:///{tmp_path}/store.db"
    sessions = open_store(url)
    summary = ingest([inbox], sessions)
    assert not summary.failed, summary.failed
    predictor = keyword_predictor(taxonomy)
    ids = {}
    for item in summary.files:
        document = load_document(sessions, item.document_id)
        ids[Path(item.path).name] = document.sha256
        found = []
        if CLUSTER_NAME in document.text:
            start = document.text.index(CLUSTER_NAME)
            found.append(
                Entity(
                    text=CLUSTER_NAME,
                    label="CLUSTER",
                    start=start,
                    end=start + len(CLUSTER_NAME),
                    page=1,
                    component="test",
                )
            )
        found += [  # places as the gazetteer normalises them (no NER model needed)
            Entity(
                text=mention.text,
                label="LOC",
                start=mention.start,
                end=mention.end,
                page=1,
                normalized={"region_code": mention.location.region_code},
                component="test",
            )
            for mention in find_locations(document.text)
            if mention.location.region_code
        ]
        found.sort(key=lambda entity: entity.start)
        save_entities(sessions, document.sha256, "test", found)
        save_prediction(sessions, predict_document(document, predictor, "test"))
    add_user(sessions, "analyst", PASSWORD)
    app = create_app(
        url, models_dir=tmp_path / "models", taxonomy=taxonomy_path, files_root=tmp_path
    )

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    try:
        yield {
            "base": f"http://127.0.0.1:{port}",
            "url": url,
            "ids": ids,
            "taxonomy": taxonomy,
            "taxonomy_path": taxonomy_path,
        }
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_an_analyst_reviews_in_the_browser_and_the_next_retrain_learns_it(
    browser, site, tmp_path: Path
):
    base, target = site["base"], site["ids"]["akademgorodok.pdf"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    # sign in
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("a.doc-link").count() == 3

    # filter: the formation type the keyword baseline gave the target document
    page.select_option("select[name=formation_type]", "territorial")
    page.click("form#filters button[type=submit]")
    page.wait_for_load_state()
    assert "formation_type=territorial" in page.url
    links = page.locator("a.doc-link")
    assert links.count() >= 1
    assert f"/documents/{target}" in [
        links.nth(i).get_attribute("href") for i in range(links.count())
    ]

    # search
    page.goto(f"{base}/")
    page.fill("input[name=q]", "акселератор")
    page.click("form#filters button[type=submit]")
    page.wait_for_load_state()
    assert [page.locator("a.doc-link").nth(0).get_attribute("href")] == [f"/documents/{target}"]
    assert page.locator("a.doc-link").count() == 1

    # open the document; follow an evidence link
    page.click(f'a[href="/documents/{target}"]')
    page.wait_for_url(f"{base}/documents/{target}")
    evidence = page.locator("#group-functions a.evidence-link").first
    evidence.click()
    page.wait_for_load_state()
    passage_id = page.url.split("#p-")[1]
    highlighted = page.locator(f"#p-{passage_id}")
    assert "shown" in highlighted.get_attribute("class")
    background = highlighted.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    box = page.locator("#figure rect.evidence-box")
    assert box.is_visible()
    assert float(box.get_attribute("width")) > 0 and float(box.get_attribute("height")) > 0
    image = page.locator("#figure image").get_attribute("href")
    rendered = page.request.get(f"{base}{image}")
    assert rendered.status == 200 and rendered.body()[:8] == b"\x89PNG\r\n\x1a\n"

    # reject a predicted function and add another, with comments
    group = page.locator("#group-functions")
    rejected = group.locator("button.reject").first.get_attribute("value").split(":", 1)[1]
    group.locator("textarea[name=note]").fill("no support for this in the text")
    group.locator("button.reject").first.click()
    page.wait_for_load_state()
    group = page.locator("#group-functions")
    added = next(
        value
        for value in group.locator("select[name=add_label] option").evaluate_all(
            "options => options.map(option => option.value)"
        )
        if value and value != rejected
    )
    group.locator("select[name=add_label]").select_option(added)
    group.locator("textarea[name=note]").fill("page 2 says so")
    group.locator("button.add").click()
    page.wait_for_load_state()
    assert page.locator(".history tbody tr").count() == 2
    assert "page 2 says so" in page.locator(".history").inner_text()

    # the other pages, for the README
    page.goto(f"{base}/queue")
    page.keyboard.press("j")
    assert page.locator(".queue-row.focused").count() == 1
    shots = DOCS if os.environ.get(REFRESH_SCREENSHOTS) == "1" else tmp_path
    page.screenshot(path=str(shots / "review-queue.png"), full_page=True)
    page.goto(f"{base}/regions")
    regions = page.locator("table.regions").inner_text()
    assert all(code in regions for code in ("RU-NVS", "RU-MOW", "RU-TA", "RU-TOM"))
    page.screenshot(path=str(shots / "review-regions.png"), full_page=True)
    page.goto(f"{base}/documents/{target}?show={passage_id}")
    page.screenshot(path=str(shots / "review-document.png"), full_page=False)
    assert errors == []  # no script error, no CSP violation

    # the decision in export-labels output
    exported = tmp_path / "reviewed.json"
    result = CliRunner().invoke(
        cli_app,
        [
            "export-labels",
            "--format",
            "label-studio",
            "--out",
            str(exported),
            "--db",
            site["url"],
            "--taxonomy",
            str(site["taxonomy_path"]),
        ],
    )
    assert result.exit_code == 0, result.output
    (task,) = json.loads(exported.read_text("utf-8"))
    assert task["meta"]["document_id"] == target
    choices = {
        item["from_name"]: item["value"]["choices"]
        for item in task["annotations"][0]["result"]
        if item["type"] == "choices"
    }
    assert added in choices["functions"] and rejected not in choices["functions"]

    # ... in the training data the next retrain reads, and in a candidate trained with it
    (example,) = decision_texts(open_store(site["url"]), site["taxonomy"])
    assert example.sha256 == target
    assert added in example.labels.functions and rejected not in example.labels.functions
    from cluster_nlp.classify.train import train_and_register
    from cluster_nlp.registry import read_metadata

    corpus = make_corpus(tmp_path / "corpus", documents=24)
    models = tmp_path / "models"
    train_and_register(
        corpus, site["taxonomy"], models, {"cv": 2}, version="candidate", decisions=[example]
    )
    assert read_metadata(models, "candidate")["reviewed_documents"] == 1
    shutil.rmtree(models)
