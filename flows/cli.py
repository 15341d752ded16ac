"""The ``cluster-nlp`` console script: the library's commands plus the orchestrated ones.

The library's Typer app (``cluster_nlp.cli``) never imports Prefect; this module adds the
commands that run flows (``run``, ``serve``) on top of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cluster_nlp.cli import app
from cluster_nlp.cli.common import DbOption, console, db_url, fail
from cluster_nlp.registry import ModelFileError, TaxonomyMismatchError
from cluster_nlp.store.db import StoreError


@app.command("run")
def run_command(
    inbox: Annotated[Path, typer.Argument(help="folder (or file) of new documents")] = Path(
        "corpus/pdf"
    ),
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", help="folder for exports and the summary")] = Path(
        "outputs"
    ),
    models: Annotated[Path, typer.Option("--models", help="model registry folder")] = Path(
        "models"
    ),
    model: Annotated[str | None, typer.Option("--model", help="model version [current]")] = None,
    dask: Annotated[
        str | None,
        typer.Option("--dask", envvar="CLUSTER_NLP_DASK_ADDRESS", help="Dask scheduler address"),
    ] = None,
) -> None:
    """Run the tagging flow once: ingest, extract entities, tag, export, summarise."""
    from flows.tag_documents import tag_documents_flow, with_task_runner

    if not inbox.exists():
        fail(f"no such inbox: {inbox}", code=2)
    flow = with_task_runner(tag_documents_flow, dask)
    try:
        result = flow(
            inbox=str(inbox), db=db_url(db), out=str(out), models_dir=str(models), model=model
        )
    except (ModelFileError, TaxonomyMismatchError, StoreError) as error:
        fail(str(error))
    outcomes = result["outcomes"]
    console.print(
        f"model {result['model_version']}: {result['files']} files "
        f"({outcomes['ingested']} new, {outcomes['known']} known, {outcomes['failed']} failed, "
        f"{outcomes['needs_ocr']} need OCR); tagged {result['tagged']} documents, "
        f"{result['needs_review']} need review"
    )
    console.print("outputs:")
    for name, path in result["outputs"].items():
        console.print(f"  {name:14} {path}")
    console.print("The run's record and artifacts are in the Prefect UI (see README, 'Prefect').")
    if outcomes["failed"]:
        raise typer.Exit(1)


@app.command("serve")
def serve_command(
    interval: Annotated[int | None, typer.Option(help="tagging interval in seconds")] = None,
    cron: Annotated[str | None, typer.Option(help="tagging schedule as a cron string")] = None,
    inbox: Annotated[Path, typer.Option(help="inbox folder")] = Path("inbox"),
) -> None:
    """Serve the tagging (scheduled) and retraining (on demand and weekly) deployments."""
    from flows.serve import serve_deployments

    serve_deployments(inbox=str(inbox), interval=interval, cron=cron)
