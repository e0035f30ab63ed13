"""`modelward mitigate`: a fairer new version of a model, and what it cost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from modelward.cli.context import JSON_OPTION, output, workspace

if TYPE_CHECKING:
    from modelward.evaluation import MitigationResult

ROWS = (
    ("demographic_parity_difference", "demographic parity difference"),
    ("equalized_odds_difference", "equalized odds difference"),
    ("value_per_1000", "value per 1,000 decisions"),
)


def mitigate_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model reference: project/v3, project@production."),
    method: str = typer.Option(
        ...,
        "--method",
        help="reweigh (pre-processing), constraint (in-processing) or threshold "
        "(post-processing: per-group thresholds, binary only).",
    ),
    constraint: str = typer.Option(
        "dp", "--constraint", help="With --method constraint: dp (demographic parity) or eo."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Threads per fit [cores]."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a new, fairer version of MODEL; evaluate it against the original."""
    from modelward.evaluation import mitigate_model

    out = output(as_json)
    with workspace(ctx) as ws, out.progress(f"mitigating {model}") as step:
        found = mitigate_model(
            ws, model, method, constraint=constraint, workers=workers, on_step=step
        )
    out.result(found.to_json(), lambda: _render(found))


def _render(found: MitigationResult) -> Group:
    comparison = found.comparison
    head = f"{found.model.ref}: {found.method} mitigation of {found.source}"
    lines: list[RenderableType] = [Text(head, style="bold")]
    if comparison.get("sentence"):
        lines.append(Text(str(comparison["sentence"])))
    details = found.model.summary.get("mitigation", {}).get("details", {})
    if details.get("sentence"):
        lines.append(Text(str(details["sentence"])))
    lines.append(_table(comparison, found.model.metric))
    return Group(*lines)


def _table(comparison: dict[str, Any], metric: str) -> Table:
    from modelward.evaluation import metric_label

    before, after = comparison.get("before", {}), comparison.get("after", {})
    table = Table("", "before", "after", "change")
    for key, label in ((metric, metric_label(metric)), *ROWS):
        old, new = before.get(key), after.get(key)
        change = "" if old is None or new is None else _cell(new - old, sign="+")
        table.add_row(label, _cell(old), _cell(new), change)
    return table


def _cell(value: float | None, *, sign: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:{sign},.0f}" if abs(value) >= 100 else f"{value:{sign}.4f}"
