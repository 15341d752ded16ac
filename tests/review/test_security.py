"""The review app's guards: login on every route, CSRF on forms, escaping, CSP, throttling."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from review_store import PASSWORD, build_document, csrf_of, sign_in, store_tagged

from cluster_nlp.review.app import CONTENT_SECURITY_POLICY, create_app
from cluster_nlp.review.auth import LOCK_AFTER, add_user
from cluster_nlp.store.db import open_store

PUBLIC = {("/login", "GET"), ("/login", "POST"), ("/health", "GET")}
SAMPLE_ID = "0" * 64


def every_route(app) -> list[tuple[str, str]]:
    """(path, method) of every endpoint, through included routers of any FastAPI version."""
    found = []
    for route in app.routes:
        contexts = (
            route.effective_route_contexts()
            if hasattr(route, "effective_route_contexts")
            else [route]
        )
        for context in contexts:
            for method in getattr(context, "methods", None) or []:
                if method != "HEAD":
                    found.append((context.path_format, method))
    return found


def concrete(path: str) -> str:
    return path.replace("{document_id}", SAMPLE_ID).replace("{number}", "1")


def test_the_route_walk_sees_every_page_and_the_api(app):
    paths = {path for path, _ in every_route(app)}
    assert {"/", "/queue", "/documents/{document_id}", "/regions", "/models"} <= paths
    assert {
        "/api/documents",
        "/api/documents/{document_id}/decisions",
        "/api/openapi.json",
    } <= paths


def test_every_route_but_login_and_health_refuses_anonymous_users(app, anonymous):
    routes = [route for route in every_route(app) if route not in PUBLIC]
    assert len(routes) > 15
    for path, method in routes:
        response = anonymous.request(method, concrete(path))
        refused = response.status_code == 401 or (
            response.status_code == 303 and response.headers["location"] == "/login"
        )
        assert refused, (method, path, response.status_code)
        if path.startswith("/api/"):
            assert response.status_code == 401, path


@pytest.mark.parametrize("path", ["/login", "/health"])
def test_login_and_health_answer_anonymous_users(anonymous, path):
    assert anonymous.get(path).status_code == 200


def test_a_wrong_bearer_token_is_refused(anonymous):
    response = anonymous.get("/api/documents", headers={"Authorization": "Bearer cnlp_wrong"})
    assert response.status_code == 401


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_decision_form_without_the_right_csrf_token_is_refused(client, review_store, token):
    document_id = review_store.ids["moscow"]
    form = {"group": "functions", "choice": "add", "add_label": "startup_support"}
    if token is not None:
        form["csrf_token"] = token
    response = client.post(f"/documents/{document_id}/labels", data=form)
    assert response.status_code == 403
    assert client.get(f"/api/documents/{document_id}/decisions").json() == []


def test_the_same_form_with_the_token_is_accepted(client, review_store):
    document_id = review_store.ids["moscow"]
    token = csrf_of(client.get(f"/documents/{document_id}").text)
    form = {"group": "functions", "choice": "add", "add_label": "startup_support"}
    response = client.post(f"/documents/{document_id}/labels", data={**form, "csrf_token": token})
    assert response.status_code == 303
    assert len(client.get(f"/api/documents/{document_id}/decisions").json()) == 1


def test_login_and_logout_forms_need_their_csrf_tokens(anonymous, client):
    response = anonymous.post("/login", data={"username": "analyst", "password": PASSWORD})
    assert response.status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in


def test_an_api_write_with_a_session_needs_the_csrf_header(client, review_store):
    path = f"/api/documents/{review_store.ids['moscow']}/decisions"
    body = {"group": "functions", "labels": ["startup_support"]}
    assert client.post(path, json=body).status_code == 403
    token = csrf_of(client.get("/").text)
    assert client.post(path, json=body, headers={"X-CSRF-Token": token}).status_code == 201


HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}"]


def as_html_text(value: str) -> str:
    """How Jinja's autoescape writes ``value``."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;")):
        value = value.replace(raw, escaped)
    return value.replace("'", "&#39;")


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("where", ["text", "title", "file name"])
def test_hostile_text_title_or_file_name_renders_as_text(tmp_path, hostile, where):
    url = f"sqlite:///{tmp_path}/hostile.db"
    sessions = open_store(url)
    paragraphs = ["Технопарк поддерживает стартапы и проводит конференции."]
    if where == "text":
        paragraphs.append(f"Ассоциация {hostile} подписала соглашение.")
    document = build_document(
        f"inbox/{hostile}.pdf" if where == "file name" else "inbox/plain.pdf",
        paragraphs,
        title=f"Отчёт {hostile}" if where == "title" else "Отчёт",
    )
    document_id = store_tagged(sessions, document)
    add_user(sessions, "analyst", PASSWORD)
    client = TestClient(create_app(url, models_dir=tmp_path), follow_redirects=False)
    sign_in(client)
    shown = as_html_text(hostile)
    for page in ("/", f"/documents/{document_id}", "/queue", "/?q=Технопарк"):
        html = client.get(page).text
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "Ассоциация 49" not in html and "Отчёт 49" not in html and "49.pdf" not in html
    html = client.get(f"/documents/{document_id}").text
    assert shown in html  # shown to the reader, as text
    assert client.get(f"/api/documents/{document_id}").status_code == 200


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # scripts come from /static only
    assert re.search(r"<script src=\"/static/review\.js\"", response.text)
    assert " style=" not in response.text


def test_five_wrong_passwords_in_a_row_lock_the_account(anonymous):
    for _ in range(LOCK_AFTER):
        response = sign_in(anonymous, password="wrong password")
        assert response.status_code == 401
        assert "wrong user name or password" in response.text
    locked = sign_in(anonymous)  # the right password, too late
    assert locked.status_code == 401
    assert "locked" in locked.text
    assert anonymous.get("/", follow_redirects=False).status_code == 303


def test_a_right_password_before_the_limit_resets_the_count(anonymous):
    for _ in range(LOCK_AFTER - 1):
        sign_in(anonymous, password="wrong password")
    assert sign_in(anonymous).status_code == 303
    for _ in range(LOCK_AFTER - 1):
        sign_in(anonymous, password="wrong password")
    assert sign_in(anonymous).status_code == 303


def test_an_unknown_user_is_told_the_same_as_a_wrong_password(anonymous):
    response = sign_in(anonymous, name="nobody")
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
