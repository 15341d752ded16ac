"""Rendering a page: the template, with what every page shows (user, CSRF token, names)."""

from __future__ import annotations

from fastapi import Request

from cluster_nlp.taxonomy import GROUPS


def label_names(request: Request) -> dict[str, str]:
    taxonomy = request.app.state.review.taxonomy
    return {label.id: label.en for group in taxonomy.groups for label in group.labels}


def group_names(request: Request) -> dict[str, str]:
    taxonomy = request.app.state.review.taxonomy
    return {group.id: group.en for group in taxonomy.groups}


def render(request: Request, name: str, context: dict, status_code: int = 200):
    session = context.pop("session", None)
    base = {
        "user": session.user.name if session else None,
        "csrf_token": session.csrf_token if session else None,
        "label_names": label_names(request),
        "group_names": group_names(request),
        "groups": GROUPS,
    }
    return request.app.state.templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code
    )
