"""Signing in and out, and the public health check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from cluster_nlp.review.auth import (
    AuthError,
    authenticate,
    csrf_matches,
    end_session,
    start_session,
)
from cluster_nlp.review.dependencies import SESSION_COOKIE, CheckedForm, review_settings
from cluster_nlp.review.pages import render

router = APIRouter(tags=["login"])
# The sign-in form has no session yet: its CSRF token is a random value set as a cookie and
# repeated in the form (double submit), so another site cannot post it.
LOGIN_CSRF_COOKIE = "cnlp_login_csrf"


def _login_page(request: Request, error: str | None = None, status_code: int = 200):
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", {"csrf_token": token, "error": error}, status_code=status_code
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=review_settings(request).secure_cookies,
    )
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request):
    return _login_page(request)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=256)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str | None, Form()] = None,
):
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE) or "", csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the page")
    settings = review_settings(request)
    remote = request.client.host if request.client else None
    try:
        user = authenticate(settings.sessions, username, password, remote)
    except AuthError as error:
        return _login_page(request, str(error), status_code=401)
    secret, session = start_session(settings.sessions, user)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        expires=session.expires_at,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, _session: CheckedForm):
    end_session(review_settings(request).sessions, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    """Liveness: answers without a login and without touching the store."""
    return {"status": "ok"}
