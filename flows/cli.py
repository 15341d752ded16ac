"""The ``cluster-nlp`` console script: the library's commands plus the orchestrated ones.

The library's Typer app (``cluster_nlp.cli``) never imports Prefect; this module adds the
commands that run flows (``run``, ``serve``) on top of it, and imports Prefect only when one
of them runs.
"""

import os
import threading
from pathlib import Path
from typing import Annotated

import typer

from cluster_nlp.cli import app
from cluster_nlp.cli.common import DbOption, db_url
from cluster_nlp.cli.output import fail, say, warn


def user_errors() -> tuple[type[Exception], ...]:
    """The errors ``run`` reports in one line, imported only when one is raised (``--help``
    must not load the models' and the store's libraries)."""
    from cluster_nlp.classify.embeddings import EmbeddingEngineError
    from cluster_nlp.inbox import InboxError
    from cluster_nlp.registry import ModelFileError, TaxonomyMismatchError
    from cluster_nlp.store.db import StoreError
    from cluster_nlp.taxonomy import TaxonomyError

    return (
        EmbeddingEngineError,
        InboxError,
        ModelFileError,
        TaxonomyError,
        TaxonomyMismatchError,
        StoreError,
    )


# Without PREFECT_API_URL, Prefect starts a temporary local server for the run. Its first
# start migrates a fresh database, which takes longer than Prefect's 20 s default on a small
# machine. Its telemetry would only log a failure on machines without internet access.
EMBEDDED_SERVER_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def _prefect_defaults() -> None:
    for name, value in EMBEDDED_SERVER_DEFAULTS.items():
        os.environ.setdefault(name, value)
    _require_reachable_api()


def _require_reachable_api() -> None:
    """With ``PREFECT_API_URL`` set, the server must answer before any work starts; otherwise
    Prefect fails deep inside the flow call with a long traceback."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return  # Prefect starts a temporary local server for the run
    import httpx

    try:
        httpx.get(url.rstrip("/") + "/health", timeout=5.0).raise_for_status()
    except httpx.HTTPError as error:
        fail(
            f"the Prefect API at {url} does not answer ({type(error).__name__}): start it "
            "(`prefect server start`) or unset PREFECT_API_URL to run on a temporary local server",
            code=2,
        )


def warm_start(models_dir: str, model: str | None, taxonomy: str | None, spacy: bool) -> None:
    """Load the model (and the spaCy pipelines) while Prefect's temporary server starts.

    Without PREFECT_API_URL the first flow call starts a temporary server, a separate process
    that takes about 15 s on a small machine, and only then would the run load its models.
    Doing both at once hides most of the server's start behind work the run needs anyway.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL

    from cluster_nlp.analysis import SHARED

    starting = None
    if not PREFECT_API_URL.value():
        # A failed start is not lost: the flow call starts the server again and reports it.
        starting = threading.Thread(target=SubprocessASGIServer().start, name="prefect-server")
        starting.start()
    try:
        # In the child process that will tag (on a Dask cluster the workers load their own).
        SHARED.load_model(models_dir, model, taxonomy, pipelines=spacy)
    finally:
        if starting is not None:
            starting.join()


@app.command("run")
def run_command(
    inbox: Annotated[
        str, typer.Argument(help="folder (or fsspec URL) of new documents")
    ] = "corpus/pdf",
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", help="folder for exports and the summary")] = Path(
        "outputs"
    ),
    models: Annotated[
        Path | None, typer.Option("--models", help="model registry folder [models/]")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="model version [current]")] = None,
    taxonomy: Annotated[
        Path | None, typer.Option("--taxonomy", help="taxonomy YAML [packaged]")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option("--chunk-size", min=1, help="documents per task [25]")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            envvar="CLUSTER_NLP_DASK_ADDRESS",
            help="Dask scheduler address, or local:N to start N local workers",
        ),
    ] = None,
) -> None:
    """Run the tagging flow once: ingest, extract entities, tag, export, summarise."""
    from cluster_nlp.inbox import is_url

    if not is_url(inbox) and not Path(inbox).exists():
        fail(f"no such inbox: {inbox}", code=2)
    _prefect_defaults()
    from cluster_nlp.config import get_settings
    from flows.tag_documents import tag_documents_flow, with_task_runner

    try:
        flow = with_task_runner(tag_documents_flow, dask)
    except ValueError as error:
        fail(str(error), code=2)
    models_dir = str(models or get_settings().models_dir)
    taxonomy_path = str(taxonomy) if taxonomy else None
    try:
        warm_start(models_dir, model, taxonomy_path, spacy=dask is None)
        result = flow(
            inbox=inbox,
            db=db_url(db),
            out=str(out),
            models_dir=models_dir,
            model=model,
            taxonomy=taxonomy_path,
            chunk_size=chunk_size,
        )
    except user_errors() as error:
        fail(str(error))
    outcomes = result["outcomes"]
    say(
        f"model {result['model_version']}: {result['files']} files "
        f"({outcomes['ingested']} new, {outcomes['known']} known, {outcomes['failed']} failed, "
        f"{outcomes['needs_ocr']} need OCR); tagged {result['tagged']} documents, "
        f"{result['needs_review']} need review; {len(result['failures'])} failures"
    )
    say("outputs:")
    for name, path in result["outputs"].items():
        say(f"  {name:14} {path}")
    say(
        "The run's table and drift summary are Prefect artifacts too: `prefect server start` "
        "and open the UI (README, 'Prefect')."
    )
    if result["failures"] or outcomes["failed"]:
        raise typer.Exit(1)


@app.command("serve")
def serve_command(
    inbox: Annotated[str, typer.Option(help="inbox folder or fsspec URL")] = "inbox",
    db: DbOption = None,
    interval: Annotated[
        int | None, typer.Option(min=10, help="tagging interval in seconds [900]")
    ] = None,
    cron: Annotated[str | None, typer.Option(help="tagging schedule as a cron string")] = None,
) -> None:
    """Serve the tagging (scheduled) and retraining (on demand and weekly) deployments.

    The inbox and the store are checked before anything is served: a scheduled run that could
    never read one or the other would only fail every interval, unattended.
    """
    if interval is not None and cron is not None:
        fail("give --interval or --cron, not both", code=2)
    _prefect_defaults()
    from cluster_nlp.inbox import InboxError, check_inbox
    from cluster_nlp.store.db import StoreError, open_store

    store = db_url(db)
    try:
        check_inbox(inbox)
        open_store(store)
    except (InboxError, StoreError) as error:
        fail(str(error), code=2)
    if not os.environ.get("PREFECT_API_URL"):
        warn(
            ("note:", "bold yellow"),
            " PREFECT_API_URL is not set, so these deployments are served on a temporary "
            "Prefect server that lives only as long as this command: `prefect deployment run` "
            "from another terminal cannot reach it. For that, start `prefect server start` and "
            "set PREFECT_API_URL=http://127.0.0.1:4200/api in both terminals.",
        )
    from flows.serve import serve_deployments

    serve_deployments(inbox=inbox, interval=interval, cron=cron, db=store if db else None)


def main() -> None:
    """The console script: every command, with a bad ``CLUSTER_NLP_*`` value reported in one
    line (and exit code 2) by whichever command first reads the settings."""
    # Pydantic looks for plugins by scanning every installed package's entry points the first
    # time a model is built (about 0.02 s of an unchanged re-ingest's 0.3 s); the commands use
    # none. An explicit setting still wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except ValueError as error:
        from cluster_nlp.config import SettingsError

        if not isinstance(error, SettingsError):
            raise
        warn(("error:", "bold red"), " ", str(error))
        raise SystemExit(2) from None
