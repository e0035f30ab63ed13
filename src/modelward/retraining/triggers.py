"""When to retrain: drift, a performance drop, a schedule, or a new dataset version.

Triggers are read off a monitoring pass and the registry; each is a sentence. A pass with any
records a `retrain.suggested` event; retraining itself stays a deliberate act (`retrain`),
because its challenger must go through review anyway.
"""

from __future__ import annotations

from datetime import UTC, datetime

from modelward.datasets import get_version, list_versions
from modelward.errors import NotFound
from modelward.monitoring import MonitorResult, Severity
from modelward.registry import get_model
from modelward.spec import get_project
from modelward.tracking import get_run
from modelward.workspace import Workspace

DAY_SECONDS = 86_400.0


def retrain_triggers(
    ws: Workspace, result: MonitorResult, *, now: datetime | None = None
) -> list[str]:
    """Why `result`'s deployment should get a challenger now; empty when nothing calls for one."""
    model = get_model(ws, result.model)
    policy = get_project(ws, model.project).spec.monitoring
    found = [
        f"{f.kind.replace('_', ' ')}: {f.message}"
        for f in result.findings
        if f.severity is Severity.CRITICAL and f.kind in ("feature_drift", "label_drift")
    ]
    found += [
        f"performance: {f.message}"
        for f in result.findings
        if f.kind == "performance" and f.severity.alerts
    ]
    age = ((now or datetime.now(UTC)) - datetime.fromisoformat(model.created_at)).total_seconds()
    if policy.retrain_after_days is not None and age / DAY_SECONDS > policy.retrain_after_days:
        found.append(
            f"schedule: {model.ref} is {age / DAY_SECONDS:.0f} days old; the spec retrains "
            f"after {policy.retrain_after_days:g}"
        )
    newer = newer_data(ws, model.run)
    if newer is not None:
        found.append(f"new data: {newer} is newer than what {model.ref} trained on")
    if found:
        with ws.transaction() as conn:
            payload = {"model": model.ref, "triggers": found}
            ws.record(conn, "retrain.suggested", f"deployment/{result.deployment}", payload)
    return found


def newer_data(ws: Workspace, run: str | None) -> str | None:
    try:
        dataset = None if run is None else get_run(ws, run).dataset
        if dataset is None:
            return None
        used = get_version(ws, dataset)
    except NotFound:
        return None
    newest = list_versions(ws, name=used.name)[-1]
    return newest.ref if newest.version > used.version else None
