"""The review app's factory: one store, one model registry, one taxonomy per app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders

from cluster_nlp.config import get_settings
from cluster_nlp.review.dependencies import NotSignedIn
from cluster_nlp.review.routers import api, document, documents, login, models, queue, regions
from cluster_nlp.store.db import open_store
from cluster_nlp.store.documents import SessionFactory
from cluster_nlp.taxonomy import Taxonomy, load_taxonomy

HERE = Path(__file__).parent
# No inline script or style anywhere: every script and style sheet is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ReviewSettings:
    """What every request of one app shares."""

    sessions: SessionFactory
    models_dir: Path
    taxonomy: Taxonomy
    files_root: Path  # PDFs are rendered only from below this folder
    secure_cookies: bool


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every response (plain ASGI: no per-request task)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers and not (static and name == "Cache-Control"):
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _not_signed_in(request: Request, _error: NotSignedIn):
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"detail": "sign in first: session cookie or Authorization: Bearer <token>"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return RedirectResponse("/login", status_code=303)


def templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value is HTML-escaped unless a template says otherwise
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=environment)


def create_app(
    db_url: str,
    models_dir: Path | None = None,
    taxonomy: Path | None = None,
    files_root: Path | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The review app on the store at ``db_url`` (migrated when opened)."""
    settings = get_settings()
    app = FastAPI(
        title="cluster-nlp review",
        description="Documents, predictions, evidence, entities and analysts' decisions.",
        # The schema is served under /api/ behind the login (routers/api.py), not in public.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.review = ReviewSettings(
        sessions=open_store(db_url),
        models_dir=Path(models_dir or settings.models_dir),
        taxonomy=load_taxonomy(taxonomy or settings.taxonomy),
        files_root=Path(files_root or Path.cwd()).resolve(),
        secure_cookies=secure_cookies,
    )
    app.state.templates = templates()
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (login, documents, queue, document, regions, models, api):
        app.include_router(router.router)
    return app
