"""`modelward models`: list, show, gates, value, approve, reject, promote, archive, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Group
from rich.table import Table

from modelward import review  # a lazy face: `models list` never imports the gates' inputs
from modelward.cli.card import card_command
from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.errors import InputError
from modelward.registry import ModelVersion, Stage, get_model, list_models

if TYPE_CHECKING:
    from modelward.review import GateReport, ProductionSpell, StageChange

app = typer.Typer(help="Model versions: stages, gates, approvals, history.", no_args_is_help=True)

STAGES = " | ".join(s.value for s in Stage)


def _stage(text: str | None, field: str) -> Stage | None:
    if text is None:
        return None
    try:
        return Stage(text.strip().lower())
    except ValueError:
        raise InputError.field(field, text, STAGES) from None


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project's versions."),
    stage: str | None = typer.Option(None, "--stage", help=f"Only this stage: {STAGES}."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List model versions, newest first."""
    chosen = _stage(stage, "--stage")
    with workspace(ctx) as ws:
        found = list_models(ws, project=project, stage=chosen)

    def table() -> Table:
        view = Table("model", "stage", "task", "metric", "score", "created", "by")
        for m in found:
            score = "" if m.score is None else f"{m.score:.4f}"
            view.add_row(
                m.ref, m.stage.value, m.task, m.metric, score, m.created_at[:19], m.created_by
            )
        return view

    output(as_json).result([_brief(m) for m in found], table)


@app.command("show")
def show(ctx: typer.Context, model: str, as_json: bool = JSON_OPTION) -> None:
    """Show one version: stage, score, gates and reviews."""
    with workspace(ctx) as ws:
        found = get_model(ws, model)
        gates = review.gate_report(ws, found)
        decisions = review.reviews_of(ws, found.ref)
    body = {**found.to_json(), "gates": gates.to_json()}
    body["reviews"] = [r.to_json() for r in decisions]

    def render() -> Group:
        head = Table.grid(padding=(0, 2))
        for key in ("ref", "stage", "task", "metric", "score", "created_at", "created_by", "run"):
            head.add_row(key, str(body[key]))
        reviews = Table("decision", "by", "role", "when", "comment")
        for r in decisions:
            reviews.add_row(r.decision.past, r.actor, r.role, r.created_at[:19], r.comment)
        return Group(head, _gate_table(gates), reviews)

    output(as_json).result(body, render)


@app.command("gates")
def gates(ctx: typer.Context, model: str, as_json: bool = JSON_OPTION) -> None:
    """Check the spec's gates against the model's evaluation and training-data audit."""
    with workspace(ctx) as ws:
        report = review.gate_report(ws, get_model(ws, model))
    output(as_json).result(report.to_json(), lambda: _gate_table(report))


@app.command("value")
def value(ctx: typer.Context, ref: str, as_json: bool = JSON_OPTION) -> None:
    """What the model's decisions are worth, in a few plain lines: the policy, the share acted
    on, value per year against no model and a simple baseline, the cost of fairness, ROI."""
    from modelward.evaluation import business_summary

    with workspace(ctx) as ws:
        found = business_summary(ws, ref)
    output(as_json).result(found.to_json(), lambda: "\n".join((found.model, *found.lines)))


@app.command("approve")
def approve_(
    ctx: typer.Context,
    model: str,
    comment: str = typer.Option(..., "--comment", help="Why you approve (recorded)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve a version (approver role; not the one who trained it)."""
    with workspace(ctx) as ws:
        approval = review.approve(ws, model, comment=comment)
    line = f"{approval.model} approved by {approval.actor}; {approval.gates.summary()}"
    output(as_json).result(approval.to_json(), lambda: line)


@app.command("reject")
def reject_(
    ctx: typer.Context,
    model: str,
    comment: str = typer.Option(..., "--comment", help="Why you reject (recorded)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Reject a version; withdraws an earlier approval."""
    with workspace(ctx) as ws:
        rejection = review.reject(ws, model, comment=comment)
    line = f"{rejection.model} rejected by {rejection.actor}"
    output(as_json).result(rejection.to_json(), lambda: line)


@app.command("promote")
def promote_(
    ctx: typer.Context,
    model: str,
    to: str | None = typer.Option(None, "--to", help="staging | production (default: next)."),
    override: bool = typer.Option(False, "--override", help="Admin: waive gates/approval."),
    justification: str | None = typer.Option(
        None, "--justification", help="With --override: the written reason (recorded)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Move a version forward; production needs passing gates and an approval."""
    target = _stage(to, "--to")
    if justification is not None and not override:
        raise InputError.field("--justification", justification, "to be used with --override")
    waiver = (justification or "") if override else None
    with workspace(ctx) as ws:
        change = review.promote(ws, model, to=target, override=waiver)
    output(as_json).result(change.to_json(), lambda: _moved(change))


@app.command("archive")
def archive_(
    ctx: typer.Context,
    model: str,
    comment: str = typer.Option("", "--comment", help="Why (recorded)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Retire a version."""
    with workspace(ctx) as ws:
        change = review.archive(ws, model, comment=comment)
    output(as_json).result(change.to_json(), lambda: _moved(change))


@app.command("rollback")
def rollback_(
    ctx: typer.Context,
    project: str,
    reason: str = typer.Option(..., "--reason", help="Why production goes back (recorded)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Bring back the production version the current one replaced (approver; on its approval)."""
    with workspace(ctx) as ws:
        change = review.rollback_production(ws, project, reason=reason)
    output(as_json).result(change.to_json(), lambda: _rolled_back(change))


def _rolled_back(change: StageChange) -> str:
    approval = change.approval
    line = f"{change.model} is in production again; {change.replaced} is archived"
    if approval is not None:
        line += f". It returns on its approval by {approval.actor} ({approval.created_at[:10]})"
    if not change.gates.passed:
        line += f"; its gates now fail: {change.gates.summary()}"
    return line


@app.command("history")
def history(
    ctx: typer.Context,
    project: str,
    at: str | None = typer.Option(None, "--at", help="Which version was live at this time."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Which version was in production when, and who approved it (from the event chain)."""
    with workspace(ctx) as ws:
        spells = review.production_history(ws, project)
        live = None if at is None else review.in_production_at(ws, project, at)
    if at is not None:
        data = None if live is None else live.to_json()
        output(as_json).result(
            {"at": at, "production": data},
            lambda: f"nothing was in production at {at}" if live is None else _spell_line(live),
        )
        return

    def table() -> Table:
        view = Table("model", "since", "until", "promoted by", "approved by", "override")
        for s in spells:
            until = (s.until or "now")[:19]
            approver = s.approved_by or ""
            view.add_row(s.model, s.since[:19], until, s.promoted_by, approver, s.override or "")
        return view

    output(as_json).result([s.to_json() for s in spells], table)


def _brief(m: ModelVersion) -> dict[str, object]:
    keys = ("ref", "stage", "task", "metric", "score", "created_at", "created_by", "run")
    body = m.to_json()
    return {k: body[k] for k in keys}


def _gate_table(report: GateReport) -> Table:
    view = Table("gate", "value", "result", title=report.summary())
    for r in report.results:
        value = "—" if r.value is None else f"{r.value:.4g}"
        view.add_row(r.gate, value, "[green]pass[/]" if r.passed else "[red]FAIL[/]")
    return view


def _moved(change: StageChange) -> str:
    line = f"{change.model}: {change.from_stage} -> {change.to_stage}"
    if change.replaced:
        line += f" (replaces {change.replaced}, now archived)"
    if change.override:
        line += f"; override: {change.override}"
    return line


def _spell_line(spell: ProductionSpell) -> str:
    who = f"approved by {spell.approved_by}" if spell.approved_by else "no approval (override)"
    return f"{spell.model} was in production since {spell.since[:19]} ({who})"


app.command("card")(card_command)  # models card: the model card lives with the models
