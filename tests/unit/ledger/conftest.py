"""A served churn workspace with traffic, outcomes, usage and a second project priced in EUR.

Everything goes through the real code (deployments, the prediction log, feedback, runs,
datasets); only `serving_usage` and `monitor_reports` rows are written directly, as a server
and a monitoring pass would.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

import modelward
from modelward.backends.store.tables import feedback, monitor_reports, serving_usage
from modelward.events.log import utc_now
from modelward.serving import (
    PredictionLog,
    create_deployment,
    record_feedback,
    set_canary,
    set_shadow,
)
from modelward.serving.predlog import LogRow
from modelward.spec import parse_spec
from modelward.tracking import RunStatus
from modelward.tracking.service import start_run
from modelward.workspace import Workspace
from tests.unit.serving.conftest import SPEC

# Round prices, so figures can be checked by hand: a CPU second costs 0.001.
PRICES: dict[str, Any] = {
    "currency": "USD",
    "cpu_hour": 3.6,
    "gb_month": 1000.0,
    "per_1k_requests": 2.0,
    "kwh": 0.5,
    "watts_per_core": 100.0,
    "co2_kg_per_kwh": 0.25,
}
VALUE: dict[str, Any] = {
    "currency": "USD",
    "true_positive": 100.0,
    "false_positive": -20.0,
    "false_negative": -50.0,
    "true_negative": 1.0,
}
# (decision, label) of churn/v1's primary traffic: 3 TP, 2 FP, 1 FN, 4 TN, one label outside
# the classes (skipped: stored as older servers did, which did not check labels), and two
# decisions nobody reported on.
PRIMARY = (
    [("Yes", "Yes")] * 3
    + [("Yes", "No")] * 2
    + [("No", "Yes")]
    + [("No", "No")] * 4
    + [("No", "Maybe"), ("Yes", None), ("No", None)]
)
CANARY = [("Yes", "Yes"), ("No", "Yes")]  # churn/v2: 1 TP, 1 FN
SHOP = {
    "name": "shop",
    "task": "regression",
    "target": "amount",
    "value": {"currency": "EUR", "cost_per_unit_error": 2.0},
    "prices": {"currency": "EUR", "cpu_hour": 7.2, "gb_month": 500.0},
}


@dataclass(frozen=True)
class Scenario:
    home: Path
    at: datetime  # the ledger's time: a month after everything happened


@pytest.fixture
def scenario(served_home: Path, tmp_path: Path) -> Scenario:
    at = datetime.now(UTC) + timedelta(days=30)
    with modelward.open(home=served_home, actor="root") as ws:
        spec = {**SPEC, "prices": PRICES, "value": VALUE}
        modelward.update_project(ws, parse_spec(spec))
        modelward.create_project(ws, parse_spec(SHOP))
        csv = tmp_path / "shop.csv"
        csv.write_text("amount,items\n10.5,2\n20.0,3\n7.25,1\n")
        modelward.add_dataset(ws, csv, name="shop", project="shop")
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        set_canary(ws, "default", "churn/v2", weight=10.0)
        set_shadow(ws, "default", "churn/v3")
        _traffic(ws)
        _usage(ws, at)
        _runs(ws)
    return Scenario(served_home, at)


def _log_row(request_id: str, route: str, model: str, decision: str) -> LogRow:
    other = "No" if decision == "Yes" else "Yes"
    proba = {decision: 0.8, other: 0.2}
    prediction = json.dumps({"prediction": decision, "proba": proba})
    return (time.time(), "default", request_id, route, model, "{}", prediction, 1.0, "")


def _traffic(ws: Workspace) -> None:
    log = PredictionLog(ws)
    labels = []
    for route, model, pairs in (("primary", "churn/v1", PRIMARY), ("canary", "churn/v2", CANARY)):
        for decision, label in pairs:
            request_id = uuid.uuid4().hex
            log.append([_log_row(request_id, route, model, decision)])
            if route == "primary":
                # The shadow scored the same request, under the same id; nobody acted on it.
                log.append([_log_row(request_id, "shadow", "churn/v3", "Yes")])
            if label is not None:
                labels.append({"request_id": request_id, "label": label})
    log.flush()
    known = [item for item in labels if item["label"] != "Maybe"]
    record_feedback(ws, "default", known)
    # A label no class of the model has, as feedback accepted before labels were checked:
    # the ledger must still skip it.
    odd = next(item for item in labels if item["label"] == "Maybe")
    with ws.transaction() as conn:
        row = {"deployment": "default", "request_id": odd["request_id"], "label": '"Maybe"'}
        conn.execute(insert(feedback).values(**row, created_at=utc_now(), created_by="legacy"))


def _usage(ws: Workspace, at: datetime) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)  # periods that have ended
    periods = [
        ("churn/v1", now, 1000, 1200, 3.0),
        ("churn/v1", now + timedelta(minutes=1), 500, 600, 1.5),
        ("churn/v2", now, 100, 100, 0.5),
        ("churn/v1", at + timedelta(hours=1), 9999, 9999, 99.0),  # after the ledger's time
        ("churn/v9", now, 10, 10, 0.1),  # a model the registry does not know
    ]
    rows = [
        {
            "deployment": "default",
            "model": model,
            "period_start": start.isoformat(timespec="microseconds"),
            "period_end": (start + timedelta(minutes=1)).isoformat(timespec="microseconds"),
            "requests": requests,
            "rows": n,
            "cpu_seconds": cpu,
            "server": "test",
        }
        for model, start, requests, n, cpu in periods
    ]
    stamp = now.isoformat(timespec="microseconds")
    reports = [
        {"cpu_seconds": 7.2, "drift": {}},
        {"drift": {}},  # a pass that did not say what it cost
    ]
    with ws.transaction() as conn:
        conn.execute(insert(serving_usage), rows)
        for report in reports:
            conn.execute(
                insert(monitor_reports).values(
                    deployment="default",
                    window_start=stamp,
                    window_end=stamp,
                    report=json.dumps(report),
                    alerts=0,
                    created_at=stamp,
                    created_by="monitor",
                )
            )


def _runs(ws: Workspace) -> None:
    """A failed churn search, a scratch run of no project, a finished and a running shop run."""
    start_run(ws, name="abandoned", project="churn").finish(RunStatus.FAILED)
    start_run(ws, name="scratch").finish()
    start_run(ws, name="shop-try", project="shop").finish()
    start_run(ws, name="shop-running", project="shop")  # never finished: no CPU time
