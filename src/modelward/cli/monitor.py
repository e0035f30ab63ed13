"""`modelward monitor`: drift, performance and staleness of deployments, and their alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from modelward.cli.context import JSON_OPTION, output, workspace

if TYPE_CHECKING:
    from modelward.monitoring import MonitorResult

app = typer.Typer(help="Monitoring: drift, performance once labels arrive, staleness, alerts.")

STYLE = {"critical": "bold red", "warning": "yellow", "ok": "green", "not_judged": "dim"}


@app.command("run")
def run(
    ctx: typer.Context,
    deployment: str | None = typer.Option(None, "--deployment", help="One deployment (all)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One monitoring pass: the window of recent traffic against the model's training data."""
    from modelward.monitoring import monitor_all, monitor_deployment
    from modelward.retraining import retrain_triggers

    with workspace(ctx) as ws:
        found = monitor_all(ws) if deployment is None else [monitor_deployment(ws, deployment)]
        triggers = {r.deployment: retrain_triggers(ws, r) for r in found}

    def tables() -> Group | str:
        if not found:
            return "no deployments to monitor (create one with `modelward deploy create`)"
        return Group(*(part for r in found for part in _view(r, triggers[r.deployment])))

    body = [{**r.to_json(), "retrain_triggers": triggers[r.deployment]} for r in found]
    output(as_json).result(body, tables)


@app.command("alerts")
def alerts(
    ctx: typer.Context,
    deployment: str | None = typer.Option(None, "--deployment", help="One deployment (all)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Open alerts, oldest first."""
    from modelward.monitoring import open_alerts

    with workspace(ctx) as ws:
        found = open_alerts(ws, deployment)

    def table() -> Table:
        view = Table("id", "deployment", "severity", "check", "about", "since", "message")
        for a in found:
            severity = f"[{STYLE.get(a.severity, '')}]{a.severity}[/]"
            view.add_row(
                str(a.id), a.deployment, severity, a.kind, a.subject, a.created_at[:19], a.message
            )
        return view

    output(as_json).result([a.to_json() for a in found], table)


def _view(result: MonitorResult, triggers: list[str]) -> list[RenderableType]:
    refused = f", {result.refused:,} refused" if result.refused else ""
    title = (
        f"{result.deployment} ({result.model}): {result.rows:,} rows scored{refused}, "
        f"{result.labelled:,} labelled, {len(result.alerting)} alerting"
    )
    view = Table("severity", "check", "about", "finding", title=title)
    quiet: dict[str, int] = {}
    for f in result.findings:
        if f.kind.endswith("drift") and f.severity.value in ("ok", "not_judged"):
            # quiet columns would drown the ones that moved: counted, not listed
            quiet[f"{f.kind} {f.severity.value}"] = quiet.get(f"{f.kind} {f.severity.value}", 0) + 1
            continue
        view.add_row(_severity(f.severity.value), f.kind, f.subject, f.message)
    for key, count in quiet.items():
        kind, severity = key.split()
        said = "stable" if severity == "ok" else "not judged (too few rows)"
        view.add_row(_severity(severity), kind, f"{count} column(s)", said)
    suggestions = [
        f"retrain suggested ({reason}): `modelward retrain {result.deployment}`"
        for reason in triggers
    ]
    return [view, *suggestions]


def _severity(value: str) -> str:
    return f"[{STYLE[value]}]{value}[/]"
