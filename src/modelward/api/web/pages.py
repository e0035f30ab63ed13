"""What each page shows, gathered from the core functions; templates only render it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from modelward.audit.service import latest_audit
from modelward.backends.store.tables import serving_usage
from modelward.datasets.service import diff_versions, get_version, list_versions
from modelward.errors import InputError, NotFound
from modelward.evaluation.service import get_evaluation
from modelward.ledger import ledger
from modelward.monitoring.alerts import Alert, open_alerts
from modelward.registry.records import ModelVersion, Stage
from modelward.registry.service import get_model, list_models
from modelward.review import gate_report, reviews_of
from modelward.review.gates import GateReport
from modelward.serving.deployments import get_deployment, list_deployments, revisions
from modelward.spec.service import list_projects
from modelward.tracking.service import get_run, list_runs
from modelward.tracking.trials import list_trials
from modelward.workspace import Workspace


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


def deployment_page(ws: Workspace, name: str) -> dict[str, Any]:
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
        "alerts": open_alerts(ws, name),
        "usage": {"requests": int(requests), "rows": int(rows), "cpu": float(cpu)},
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
    }


def runs_page(ws: Workspace, project: str | None, sort: str | None) -> dict[str, Any]:
    found = list_runs(ws, project=project, sort=sort or None, limit=200)
    keys = sorted({k for run in found for k in run.metrics})[:6]
    return {"runs": found, "metric_keys": keys, "project": project, "sort": sort}


def run_page(ws: Workspace, uid: str) -> dict[str, Any]:
    run = get_run(ws, uid)
    trials = list_trials(ws, run.uid)
    scores = [t.score for t in trials if t.score is not None]
    low, high = (min(scores), max(scores)) if scores else (0.0, 1.0)
    return {"run": run, "trials": trials, "low": low, "span": (high - low) or 1.0}


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
            value, roi = found.get("value"), found.get("roi")
            shown = [f"cost {_number(cost)} {currency}", f"value {_number(value)}"]
            return " · ".join([*shown, f"ROI {_number(roi)}"])
    return "–"


def _number(value: object) -> str:
    return f"{value:,.4g}" if isinstance(value, int | float) else "–"
