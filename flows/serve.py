"""Serve the flows as deployments: tagging on a schedule, retraining on demand and weekly.

    uv run cluster-nlp serve [--interval 900 | --cron "*/15 * * * *"] [--inbox inbox/]

Each deployment allows one run at a time, so two tagging runs never work on the same
documents at once (the store's unique keys guard the same rule underneath).
"""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from cluster_nlp.config import get_settings
from flows.retrain import retrain_flow
from flows.tag_documents import tag_documents_flow

TAG_DEPLOYMENT = "tag-inbox"
RETRAIN_DEPLOYMENT = "retrain"


def deployments(
    inbox: str = "inbox", interval: int | None = None, cron: str | None = None
) -> list[RunnerDeployment]:
    settings = get_settings()
    cron = cron or settings.tag_cron
    schedule = {"cron": cron} if cron else {"interval": interval or settings.tag_interval_s}
    tagging = tag_documents_flow.to_deployment(
        name=TAG_DEPLOYMENT,
        parameters={"inbox": inbox},
        concurrency_limit=1,
        tags=["cluster-nlp", "tagging"],
        description="Ingest, extract, tag and export what arrives in the inbox.",
        **schedule,
    )
    retraining = retrain_flow.to_deployment(
        name=RETRAIN_DEPLOYMENT,
        cron=settings.retrain_cron,
        concurrency_limit=1,
        tags=["cluster-nlp", "retraining"],
        description="Retrain on the corpus and analysts' decisions; promote only if better.",
    )
    return [tagging, retraining]


def serve_deployments(
    inbox: str = "inbox", interval: int | None = None, cron: str | None = None
) -> None:
    serve(*deployments(inbox, interval, cron))


if __name__ == "__main__":
    serve_deployments()
