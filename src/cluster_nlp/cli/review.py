"""``review``: the review web app on the store, bound to localhost unless told otherwise."""

from pathlib import Path
from typing import Annotated

import typer

from cluster_nlp.cli.common import DbOption, ModelsOption, TaxonomyOption, db_url
from cluster_nlp.cli.output import fail, progress_bar, say, warn


def register(app: typer.Typer) -> None:
    app.command("review")(review_command)


def embed_missing_passages(sessions) -> None:
    """Give every passage without a vector one, for "more like this" (shown as a progress bar)."""
    from cluster_nlp.classify.embeddings import (
        EmbeddingEngineError,
        default_embedder,
        engine_version,
    )
    from cluster_nlp.store.search import store_passage_vectors

    try:
        with progress_bar("passage vectors") as progress:
            task = progress.add_task("", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, total=total, advance=done)

            store_passage_vectors(sessions, default_embedder(), engine_version(), on_batch=advance)
    except EmbeddingEngineError as error:
        warn(("warning:", "yellow"), f" no passage vectors, so no 'more like this': {error}")


def review_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="address to bind; 0.0.0.0 exposes the app")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    models: ModelsOption = None,
    taxonomy: TaxonomyOption = None,
    files_root: Annotated[
        Path | None,
        typer.Option("--files-root", help="PDF pages are shown only from below this folder [.]"),
    ] = None,
    vectors: Annotated[
        bool, typer.Option(help="embed passages that have no vector yet, for 'more like this'")
    ] = True,
    secure_cookies: Annotated[
        bool, typer.Option(help="send cookies over HTTPS only (behind a TLS proxy)")
    ] = False,
) -> None:
    """Serve the review web app: documents, review queue, regions, models and the JSON API."""
    import uvicorn

    from cluster_nlp.review.app import create_app
    from cluster_nlp.review.auth import list_users
    from cluster_nlp.store.db import StoreError, open_store
    from cluster_nlp.taxonomy import TaxonomyError

    url = db_url(db)
    try:
        sessions = open_store(url)
        if not list_users(sessions):
            warn(
                ("warning:", "yellow"),
                " no user can sign in yet: `cluster-nlp users add NAME --db URL`",
            )
        if vectors:
            embed_missing_passages(sessions)
        app = create_app(
            url,
            models_dir=models,
            taxonomy=taxonomy,
            files_root=files_root,
            secure_cookies=secure_cookies,
        )
    except (StoreError, TaxonomyError) as error:
        fail(str(error))
    say(f"review app on http://{host}:{port}/ (Ctrl+C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
