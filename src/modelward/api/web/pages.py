"""What each page shows, gathered from the core functions; templates only render it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from modelward.api.web import charts
from modelward.audit import latest_audit
from modelward.backends.store import serving_usage
from modelward.datasets import diff_versions, get_version, list_versions
from modelward.errors import InputError, NotFound
from modelward.evaluation import get_evaluation
from modelward.ledger import ledger
from modelward.monitoring import Alert, drift_series, open_alerts
from modelward.registry import ModelVersion, Stage, get_model, list_models
from modelward.review import GateReport, gate_report, reviews_of
from modelward.serving import (
    TrafficCache,
    TrafficSeries,
    get_deployment,
    list_deployments,
    revisions,
    traffic_series,
)
from modelward.spec import list_projects
from modelward.tracking import get_run, list_runs, list_trials, metric_history
from modelward.workspace import Workspace

# The deployment page's traffic windows (hours) and the bucket width each is drawn in.
WINDOWS = {1: 60, 3: 60, 6: 60, 24: 300}
DRIFT_PASSES = 100
# Seconds a view may spend reading prediction-log batches it has not summarized yet; the rest
# is read by the next refreshes (the page keeps within its 300 ms after a server restart).
TRAFFIC_BUDGET = 0.12
RECENT_BUCKETS = 20


@dataclass(frozen=True)
class ProjectCard:
    name: str
    description: str
    production: ModelVersion | None
    gates: GateReport | None
    alerts: list[Alert]
    money: str
    versions: int


def overview(ws: Workspace) -> dict[str, Any]:
    models = list_models(ws)
    deployed = {d.name: d.routes.primary.split("/")[0] for d in list_deployments(ws)}
    alerts = open_alerts(ws)
    book = ledger(ws)
    cards = []
    for project in list_projects(ws):
        mine = [m for m in models if m.project == project.name]
        live = next((m for m in mine if m.stage is Stage.PRODUCTION), None)
        cards.append(
            ProjectCard(
                project.name,
                project.spec.description,
                live,
                None if live is None else gate_report(ws, live),
                [a for a in alerts if deployed.get(a.deployment) == project.name],
                _money(book.to_json(), project.name),
                len(mine),
            )
        )
    return {"projects": cards}


def model_page(ws: Workspace, ref: str) -> dict[str, Any]:
    model = get_model(ws, ref)
    try:
        evaluation = get_evaluation(ws, model.ref)
    except NotFound:
        evaluation = None
    return {
        "model": model,
        "evaluation": evaluation,
        "gates": gate_report(ws, model),
        "reviews": reviews_of(ws, model.ref),
    }


def deployment_page(ws: Workspace, name: str, hours: str, cache: TrafficCache) -> dict[str, Any]:
    deployment = get_deployment(ws, name)
    query = select(
        func.coalesce(func.sum(serving_usage.c.requests), 0),
        func.coalesce(func.sum(serving_usage.c.rows), 0),
        func.coalesce(func.sum(serving_usage.c.cpu_seconds), 0.0),
    ).where(serving_usage.c.deployment == name)
    with ws.transaction() as conn:
        requests, rows, cpu = conn.execute(query).one()
    return {
        "deployment": deployment,
        "revisions": revisions(ws, name),
        "usage": {"requests": int(requests), "rows": int(rows), "cpu": float(cpu)},
        "windows": list(WINDOWS),
        **deployment_live(ws, name, hours, cache),
    }


def deployment_live(ws: Workspace, name: str, hours: str, cache: TrafficCache) -> dict[str, Any]:
    """What the deployment page refreshes while it is open: traffic, drift, open alerts."""
    window = _window(hours)
    width = WINDOWS[window]
    traffic = traffic_series(
        ws, name, hours=window, bucket_seconds=width, cache=cache, budget=TRAFFIC_BUDGET
    )
    drift = drift_series(ws, name, limit=DRIFT_PASSES)
    return {
        "name": name,
        "hours": window,
        "traffic": traffic,
        "recent": _recent(traffic),
        "traffic_charts": charts.traffic_charts(traffic, window),
        "drift": drift,
        "drift_chart": charts.drift_chart(drift),
        "checked_at": _clock(drift.times[-1]) if drift.times else None,
        "alerts": open_alerts(ws, name),
    }


def deployments_page(ws: Workspace) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for alert in open_alerts(ws):
        counts[alert.deployment] = counts.get(alert.deployment, 0) + 1
    return {"deployments": list_deployments(ws), "alerts": counts}


def datasets_page(ws: Workspace) -> dict[str, Any]:
    return {"versions": list_versions(ws)}


def dataset_page(ws: Workspace, ref: str) -> dict[str, Any]:
    """A version: its schema contract, its audit's findings, the change from its parent."""
    version = get_version(ws, ref)
    siblings = list_versions(ws, name=version.name)
    earlier = [v for v in siblings if v.version < version.version]
    change = diff_versions(ws, earlier[-1].ref, version.ref) if earlier else None
    return {
        "version": version,
        "audit": latest_audit(ws, version),
        "change": change,
        "against": earlier[-1].ref if earlier else None,
        "siblings": siblings,
        "pick": (earlier[-1] if earlier else siblings[0], version),
    }


def dataset_diff_page(ws: Workspace, name: str, a: str, b: str) -> dict[str, Any]:
    """The change from version `a` of dataset `name` to version `b`, both chosen by the user."""
    siblings = list_versions(ws, name=name)
    if not siblings:
        get_version(ws, name)  # NotFound, naming the datasets there are
    numbers = {str(v.version): v for v in siblings}
    known = ", ".join(numbers)
    old, new = (numbers.get(x.strip().lstrip("vV")) for x in (a, b))
    if old is None:
        raise InputError.field("a", a, f"a version of {name}: {known}")
    if new is None:
        raise InputError.field("b", b, f"a version of {name}: {known}")
    if old == new:
        raise InputError.field("b", b, f"a version other than a ({old.version}) to compare with")
    return {
        "name": name,
        "old": old,
        "new": new,
        "change": diff_versions(ws, old.ref, new.ref),
        "siblings": siblings,
        "pick": (old, new),
    }


def runs_page(ws: Workspace, project: str | None, sort: str | None) -> dict[str, Any]:
    found = list_runs(ws, project=project, sort=sort or None, limit=200)
    keys = sorted({k for run in found for k in run.metrics})[:6]
    return {"runs": found, "metric_keys": keys, "project": project, "sort": sort}


def run_page(ws: Workspace, uid: str) -> dict[str, Any]:
    run = get_run(ws, uid)
    trials = list_trials(ws, run.uid)
    history = metric_history(ws, run.uid, "trial_score")
    return {
        "run": run,
        "trials": trials,
        "chart": charts.trial_chart(trials, history, run.started_at),
    }


def compare_page(ws: Workspace, uids: list[str]) -> dict[str, Any]:
    """Runs side by side, the rows that differ first."""
    if len(uids) < 2:
        raise InputError.field("runs", len(uids), "two or more runs ticked to compare")
    found = [get_run(ws, uid) for uid in uids]
    rows = [("param", k) for k in sorted({k for r in found for k in r.params})]
    rows += [("metric", k) for k in sorted({k for r in found for k in r.metrics})]
    table = [(kind, key, [_cell(r, kind, key) for r in found]) for kind, key in rows]
    table.sort(key=lambda row: len(set(row[2])) == 1)  # differences first
    return {"runs": found, "rows": table}


def _window(hours: str) -> int:
    allowed = ", ".join(map(str, WINDOWS))
    if not hours.isdigit() or int(hours) not in WINDOWS:
        raise InputError.field("hours", hours, f"one of {allowed}")
    return int(hours)


def _recent(traffic: TrafficSeries) -> list[dict[str, Any]]:
    """The newest buckets that had requests, newest first: the charts' table."""
    found: list[dict[str, Any]] = []
    for i in reversed(range(len(traffic.starts))):
        if traffic.requests[i] and len(found) < RECENT_BUCKETS:
            found.append(
                {
                    "at": _clock(traffic.starts[i]),
                    "requests": traffic.requests[i],
                    "rows": traffic.rows[i],
                    "p50": traffic.p50_ms[i],
                    "p99": traffic.p99_ms[i],
                }
            )
    return found


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cell(run: Any, kind: str, key: str) -> str:
    value = (run.params if kind == "param" else run.metrics).get(key)
    if value is None:
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _money(book: dict[str, Any], project: str) -> str:
    for found in book.get("projects", []):
        if found.get("project") == project:
            currency = found.get("currency", "")
            cost = found.get("total", {}).get("cost", {}).get("total")
            value, roi = found.get("value"), found.get("roi_note")
            shown = [f"cost {_number(cost)} {currency}", f"value added {_number(value)}"]
            return " · ".join([*shown, str(roi or "ROI not computed")])
    return "–"


def _number(value: object) -> str:
    return f"{value:,.4g}" if isinstance(value, int | float) else "–"
