"""FastAPI dependencies: the store, the signed-in user, and the CSRF check for forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request

from cluster_nlp.review.auth import Session, User, csrf_matches, read_api_token, read_session

SESSION_COOKIE = "cnlp_session"


class NotSignedIn(Exception):
    """Raised by the user dependencies; pages redirect to /login, the API answers 401."""


def review_settings(request: Request):
    return request.app.state.review


def signed_in_session(request: Request) -> Session:
    """The browser session of the signed-in user (pages and forms)."""
    session = read_session(review_settings(request).sessions, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotSignedIn()
    return session


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request) -> User:
    """The signed-in user, by session cookie or API bearer token."""
    token = _bearer(request)
    if token is not None:
        user = read_api_token(review_settings(request).sessions, token)
        if user is None:
            raise NotSignedIn()
        return user
    return signed_in_session(request).user


def checked_form(
    session: Annotated[Session, Depends(signed_in_session)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Session:
    """The signed-in session, once the form's CSRF token matches it; 403 otherwise."""
    if not csrf_matches(session.csrf_token, csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the page")
    return session


def api_writer(request: Request) -> User:
    """A user writing through the API: a bearer token, or a session with the X-CSRF-Token."""
    if _bearer(request) is not None:
        return current_user(request)
    session = signed_in_session(request)
    if not csrf_matches(session.csrf_token, request.headers.get("x-csrf-token")):
        raise HTTPException(status_code=403, detail="missing or wrong X-CSRF-Token header")
    return session.user


SignedIn = Annotated[Session, Depends(signed_in_session)]
CurrentUser = Annotated[User, Depends(current_user)]
CheckedForm = Annotated[Session, Depends(checked_form)]
ApiWriter = Annotated[User, Depends(api_writer)]
