"""Serve the flows as deployments: tagging on a schedule, retraining on demand and weekly.

    uv run cluster-nlp serve [--interval 900 | --cron "*/15 * * * *"] [--inbox inbox/]

Each deployment admits one run at a time and queues the next (``ENQUEUE``), so two tagging
runs never work on the same documents at once; the store's unique keys guard the same rule
underneath. Deployments name their flows by module path, so they load wherever the package
is installed, whatever the working directory of the runner.
"""

from __future__ import annotations

from pathlib import Path

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from cluster_nlp.config import get_settings
from cluster_nlp.inbox import is_url
from flows.retrain import retrain_flow
from flows.tag_documents import tag_documents_flow

TAG_DEPLOYMENT = "tag-inbox"
RETRAIN_DEPLOYMENT = "retrain-weekly"
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def deployments(
    inbox: str = "inbox",
    interval: int | None = None,
    cron: str | None = None,
    db: str | None = None,
) -> list[RunnerDeployment]:
    """The tagging deployment (``cron``, else ``interval`` seconds, else the settings) and the
    retraining one (weekly by ``CLUSTER_NLP_RETRAIN_CRON``, and on demand); ``db`` is the
    store's URL when it is not the settings' one."""
    settings = get_settings()
    if cron is None and interval is None:
        cron = settings.tag_cron
    schedule = {"cron": cron} if cron else {"interval": interval or settings.tag_interval_s}
    tagging = tag_documents_flow.to_deployment(
        name=TAG_DEPLOYMENT,
        # A local inbox is fixed where `serve` started: a flow run may start in another folder.
        parameters={"inbox": inbox if is_url(inbox) else str(Path(inbox).resolve())}
        | ({"db": db} if db else {}),
        concurrency_limit=ONE_AT_A_TIME,
        tags=["cluster-nlp", "tagging"],
        description="Ingest, extract, tag and export what arrives in the inbox.",
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule,
    )
    retraining = retrain_flow.to_deployment(
        name=RETRAIN_DEPLOYMENT,
        cron=settings.retrain_cron,
        concurrency_limit=ONE_AT_A_TIME,
        tags=["cluster-nlp", "retraining"],
        parameters={"db": db} if db else {},
        description="Retrain on the corpus and analysts' decisions; promote only if better.",
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [tagging, retraining]


def serve_deployments(
    inbox: str = "inbox",
    interval: int | None = None,
    cron: str | None = None,
    db: str | None = None,
) -> None:
    serve(*deployments(inbox, interval, cron, db))


if __name__ == "__main__":
    serve_deployments()
