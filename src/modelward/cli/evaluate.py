"""`modelward evaluate` and `modelward explain`: a model's report, and why it predicts a row."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.datasets import read_file
from modelward.files import check_output, write_text

if TYPE_CHECKING:
    from modelward.evaluation import LocalExplanations
    from modelward.model import StoredEvaluation

TOP = 5


def evaluate_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model reference: project/v3, project@production."),
    html: Path | None = typer.Option(None, "--html", help="Also write the HTML report here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Evaluate a model: metrics with CIs, baselines, fairness, explanations, value, risks."""
    from modelward.evaluation import evaluate_model, evaluation_html, policy_note

    if html is not None:
        check_output(html, flag="--html", suffixes=(".html",))
    out = output(as_json)
    with workspace(ctx) as ws, out.progress(f"evaluating {model}") as step:
        stored = evaluate_model(ws, model, on_step=step)
        note = policy_note(ws, stored)
        if html is not None:
            write_text(html, evaluation_html(ws, stored))
    body = {**stored.to_json(), "html": None if html is None else str(html), "note": note}
    out.result(body, lambda: _render_evaluation(stored, html, note))


def explain_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model reference: project/v3, project@production."),
    source: Path = typer.Option(..., "--input", help="CSV or Parquet file of rows to explain."),
    top: int = typer.Option(TOP, "--top", min=1, help="Features shown per row."),
    limit: int = typer.Option(100, "--limit", min=1, help="Explain at most this many rows."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Explain each input row: the base value and each feature's push (SHAP)."""
    from modelward.evaluation import explain_model

    frame = read_file(source)
    if frame.height > limit:
        frame = frame.head(limit)
    with workspace(ctx) as ws:
        found = explain_model(ws, model, frame)
    output(as_json).result(found.to_json(), lambda: _render_rows(found, top))


def _render_evaluation(stored: StoredEvaluation, html: Path | None, note: str | None) -> Group:
    lines: list[RenderableType] = [Text(f"Evaluation of {stored.model}", style="bold")]
    lines += [Text(f"- {line}") for line in stored.typed_report.summary]
    if note is not None:
        lines.append(Text(f"note: {note}"))
    if html is not None:
        lines.append(Text(f"HTML report: {html}"))
    return Group(*lines)


def _render_rows(found: LocalExplanations, top: int) -> Group:
    parts: list[RenderableType] = []
    probability = found.target.is_classification
    base = "on average" if found.base_is_mean else "at the base"
    start = "the average over training rows" if found.base_is_mean else "the base value"
    for i in range(found.rows.height):
        row = found.row(i)
        said = f"P({row.output})" if probability else row.output
        table = Table(
            "feature",
            "value",
            "contribution",
            title=f"row {i + 1}: {said} {row.prediction:.3f}; {row.base:.3f} {base}",
            caption=f"each contribution moves the prediction from {start} to this row's; "
            "together they add up to it",
        )
        for c in row.contributions[:top]:
            table.add_row(c.feature, str(c.value), f"{c.contribution:+.4f}")
        rest = row.contributions[top:]
        if rest:
            others = sum(c.contribution for c in rest)
            table.add_row(f"{len(rest)} other features", "", f"{others:+.4f}")
        parts.append(table)
    if found.methods:
        parts.append(Text(f"method: {'; '.join(found.methods)}", style="dim"))
    return Group(*parts)
