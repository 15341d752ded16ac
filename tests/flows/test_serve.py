"""Both flows as deployments: tagging on a schedule, retraining weekly; one run at a time each."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import ConcurrencyLimitStrategy
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.flows import load_flow_from_entrypoint

from flows.serve import RETRAIN_DEPLOYMENT, TAG_DEPLOYMENT, deployments

SCHEDULES = [
    pytest.param({}, {}, IntervalSchedule, timedelta(seconds=900), id="default-15-min"),
    pytest.param({"interval": 60}, {}, IntervalSchedule, timedelta(seconds=60), id="interval"),
    pytest.param({"cron": "*/5 * * * *"}, {}, CronSchedule, "*/5 * * * *", id="cron"),
    pytest.param(
        {}, {"CLUSTER_NLP_TAG_CRON": "0 * * * *"}, CronSchedule, "0 * * * *", id="cron-env"
    ),
    pytest.param(
        {},
        {"CLUSTER_NLP_TAG_INTERVAL_S": "120"},
        IntervalSchedule,
        timedelta(seconds=120),
        id="interval-env",
    ),
]


def schedule_value(schedule) -> object:
    return schedule.interval if isinstance(schedule, IntervalSchedule) else schedule.cron


@pytest.mark.parametrize(("arguments", "env", "kind", "expected"), SCHEDULES)
def test_tagging_schedule_follows_arguments_then_settings(
    arguments: dict, env: dict, kind: type, expected: object, monkeypatch: pytest.MonkeyPatch
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    tagging, _ = deployments(inbox="/data/inbox", **arguments)
    (schedule,) = [item.schedule for item in tagging.schedules]
    assert isinstance(schedule, kind) and schedule_value(schedule) == expected


def test_both_deployments_admit_one_run_at_a_time_and_load_by_module_path():
    tagging, retraining = deployments(inbox="/data/inbox")
    assert (tagging.name, retraining.name) == (TAG_DEPLOYMENT, RETRAIN_DEPLOYMENT)
    assert tagging.parameters == {"inbox": "/data/inbox"}
    (weekly,) = [item.schedule for item in retraining.schedules]
    assert isinstance(weekly, CronSchedule) and weekly.cron == "0 3 * * 1"
    for deployment, flow_name in ((tagging, "tag-documents"), (retraining, "retrain")):
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options.collision_strategy is (
            ConcurrencyLimitStrategy.ENQUEUE
        )
        assert load_flow_from_entrypoint(deployment.entrypoint).name == flow_name


def test_deployments_registered_on_the_server_read_back_the_same():
    applied = {deployment.name: deployment.apply() for deployment in deployments("/data/inbox")}
    with get_client(sync_client=True) as client:
        stored = {name: client.read_deployment(ident) for name, ident in applied.items()}
    tagging, retraining = stored[TAG_DEPLOYMENT], stored[RETRAIN_DEPLOYMENT]
    assert tagging.parameters == {"inbox": "/data/inbox"}
    assert tagging.entrypoint == "flows.tag_documents.tag_documents_flow"
    assert [s.schedule.interval for s in tagging.schedules] == [timedelta(seconds=900)]
    assert [s.schedule.cron for s in retraining.schedules] == ["0 3 * * 1"]
    for deployment in (tagging, retraining):
        assert deployment.global_concurrency_limit.limit == 1
        assert deployment.concurrency_options.collision_strategy is (
            ConcurrencyLimitStrategy.ENQUEUE
        )


@pytest.mark.parametrize(
    ("given", "expected"),
    [("inbox", "{cwd}/inbox"), ("sub/../in", "{cwd}/in"), ("s3://bucket/in", "s3://bucket/in")],
)
def test_a_local_inbox_is_fixed_where_serve_starts(
    given: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A flow run may start in another working directory: it must read the same folder."""
    monkeypatch.chdir(tmp_path)
    tagging, _ = deployments(inbox=given)
    assert tagging.parameters == {"inbox": expected.format(cwd=tmp_path.resolve())}
