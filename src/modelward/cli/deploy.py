"""`modelward deploy`: endpoints and their routes (primary, canary, shadow), switched atomically."""

from __future__ import annotations

import typer
from rich.table import Table

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.errors import InputError
from modelward.serving import (
    Answers,
    Deployment,
    DeploymentOptions,
    Validation,
    create_deployment,
    get_deployment,
    list_deployments,
    promote_canary,
    revisions,
    rollback,
    set_canary,
    set_shadow,
)

app = typer.Typer(help="Deployments: one primary model, an optional canary and shadow.")


def _said(deployment: Deployment) -> str:
    routes = deployment.routes
    parts = [f"{deployment.name}: primary {routes.primary}"]
    if routes.canary:
        parts.append(f"canary {routes.canary} ({routes.canary_weight:g}%)")
    if routes.shadow:
        parts.append(f"shadow {routes.shadow}")
    return ", ".join(parts) + f" (generation {deployment.generation})"


@app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    model: str = typer.Option(..., "--model", help="A reviewed model: churn/v3, churn@production."),
    validation: str = typer.Option(
        "flag",
        "--validation",
        help="flag (score values outside training and name them in the answer), strict "
        "(refuse them with 422) or types (types only).",
    ),
    round_to: int | None = typer.Option(
        None, "--round", help="Decimals kept in returned probabilities."
    ),
    sticky_key: str | None = typer.Option(
        None, "--sticky-key", help="Request field that pins a caller to one route (A/B)."
    ),
    per_row: bool = typer.Option(
        False,
        "--per-row",
        help="With --validation strict: a batch answers per row (an error in place of each "
        "refused row) instead of one 422 for the whole batch.",
    ),
    answers: str = typer.Option(
        "modelward",
        "--answers",
        help="modelward (each row's prediction, probabilities and decision, with the model and "
        'request id) or mlflow (`{"predictions": [...]}`, as MLflow clients read it).',
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a deployment whose primary is a model that passed review."""
    options = DeploymentOptions(
        Validation.parse(validation), round_to, sticky_key, per_row, Answers.parse(answers)
    )
    with workspace(ctx) as ws:
        found = create_deployment(ws, name, model, options=options)
    output(as_json).result(found.to_json(), lambda: _said(found))


@app.command("canary")
def canary(
    ctx: typer.Context,
    name: str,
    model: str | None = typer.Option(None, "--model", help="Reviewed model; omit to remove."),
    weight: float = typer.Option(10.0, "--weight", help="Percent of requests to the canary."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send a share of requests to a canary model (sticky by request key), or remove it."""
    with workspace(ctx) as ws:
        found = set_canary(ws, name, model, weight=weight)
    output(as_json).result(found.to_json(), lambda: _said(found))


@app.command("shadow")
def shadow(
    ctx: typer.Context,
    name: str,
    model: str | None = typer.Option(None, "--model", help="Any version; omit to remove."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Mirror every request to a model: scored and logged, never returned."""
    with workspace(ctx) as ws:
        found = set_shadow(ws, name, model)
    output(as_json).result(found.to_json(), lambda: _said(found))


@app.command("promote")
def promote(ctx: typer.Context, name: str, as_json: bool = JSON_OPTION) -> None:
    """Make the canary the primary (all traffic), at once, without a restart."""
    with workspace(ctx) as ws:
        found = promote_canary(ws, name)
    output(as_json).result(found.to_json(), lambda: _said(found))


@app.command("rollback")
def roll_back(
    ctx: typer.Context,
    name: str,
    to: str | None = typer.Option(None, "--to", help="Model to go back to (default: previous)."),
    reason: str | None = typer.Option(
        None,
        "--reason",
        help="Needed when the previous primary was archived by a newer production version: "
        "it comes back to production too (recorded).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Go back to the previous primary (or --to a reviewed model); the canary is removed."""
    with workspace(ctx) as ws:
        found = rollback(ws, name, to=to, reason=reason)
    output(as_json).result(found.to_json(), lambda: _said(found))


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every deployment and its routes."""
    with workspace(ctx) as ws:
        found = list_deployments(ws)

    def table() -> Table:
        view = Table("deployment", "primary", "canary", "shadow", "generation", "updated")
        for d in found:
            r = d.routes
            canary_text = f"{r.canary} ({r.canary_weight:g}%)" if r.canary else ""
            view.add_row(
                d.name, r.primary, canary_text, r.shadow or "", str(d.generation), d.updated_at[:19]
            )
        return view

    output(as_json).result([d.to_json() for d in found], table)


@app.command("show")
def show(ctx: typer.Context, name: str, as_json: bool = JSON_OPTION) -> None:
    """One deployment and every routing it has had."""
    with workspace(ctx) as ws:
        found = get_deployment(ws, name)
        history = revisions(ws, name)

    def table() -> Table:
        view = Table("generation", "action", "primary", "canary", "shadow", "when", "by")
        for rev in history:
            r = rev.routes
            canary_text = f"{r.canary} ({r.canary_weight:g}%)" if r.canary else ""
            view.add_row(
                str(rev.generation),
                rev.action,
                r.primary,
                canary_text,
                r.shadow or "",
                rev.created_at[:19],
                rev.created_by,
            )
        return view

    data = {**found.to_json(), "revisions": [r.to_json() for r in history]}
    output(as_json).result(data, table)


@app.command("compare")
def compare(
    ctx: typer.Context,
    name: str,
    min_samples: int = typer.Option(200, "--min-samples", help="Labels per route before judging."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Routes compared on feedback (canary vs primary, shadow, the spec's incumbent rule)."""
    from modelward.serving import compare_deployment

    if min_samples < 2:
        raise InputError.field("--min-samples", min_samples, "an integer >= 2")
    with workspace(ctx) as ws:
        found = compare_deployment(ws, name, min_samples=min_samples)

    def table() -> Table | str:
        if not found.comparisons:
            return f"{name}: no labelled requests to compare yet (send feedback)"
        view = Table("challenger", "incumbent", "n", found.metric, "decision", "recommendation")
        for c in found.comparisons:
            estimates = f"{c.test.estimate_b:.3f} vs {c.test.estimate_a:.3f}"
            counts = f"{c.n_b} / {c.n_a}"
            view.add_row(
                c.route_b, c.route_a, counts, estimates, c.decision.value, c.recommendation
            )
        return view

    output(as_json).result(found.to_json(), table)
