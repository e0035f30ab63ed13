"""`modelward runs`: the leaderboard of tracked runs and one run in full."""

from __future__ import annotations

import re

import typer
from rich.console import Group
from rich.table import Table

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.errors import InputError
from modelward.tracking import Run, TrialRecord, get_run, list_runs, list_trials, rank_trials

app = typer.Typer(help="Tracked runs: params, metrics, lineage.", no_args_is_help=True)

FILTER = re.compile(r"^\s*([A-Za-z0-9_.\-/:]+)\s*(>=|<=|>|<|=)\s*(-?[0-9.eE+-]+)\s*$")


def _parse_filter(text: str | None) -> tuple[str, str, float] | None:
    if text is None:
        return None
    match = FILTER.match(text)
    if not match:
        raise InputError.field("--where", text, "METRIC OP NUMBER, e.g. 'auc>=0.8'")
    try:
        return match[1], match[2], float(match[3])
    except ValueError as exc:
        raise InputError.field("--where", text, "a number after the operator") from exc


@app.command("list")
def list_(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project's runs."),
    sort: str | None = typer.Option(None, "--sort", help="Sort by this metric's latest value."),
    ascending: bool = typer.Option(False, "--ascending", help="Smallest first (losses)."),
    where: str | None = typer.Option(None, "--where", help="Filter, e.g. 'auc>=0.8'."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many runs."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List runs, newest first or ranked by a metric."""
    with workspace(ctx) as ws:
        found = list_runs(
            ws,
            project=project,
            sort=sort,
            descending=not ascending,
            where=_parse_filter(where),
            limit=limit,
        )
    keys = _headline_keys(found, sort)

    def table() -> Table:
        view = Table("run", "name", "status", "project", "started", *keys)
        for run in found:
            cells = [f"{run.metrics[k]:.4g}" if k in run.metrics else "" for k in keys]
            view.add_row(
                run.uid[:8],
                run.name,
                run.status.value,
                run.project or "",
                run.started_at[:19],
                *cells,
            )
        return view

    output(as_json).result([r.to_json() for r in found], table)


HEADLINE = ("cv_score", "cost", "wall_seconds", "trials_total")


def _headline_keys(found: list[Run], sort: str | None) -> list[str]:
    """The metrics worth a column: the sort key, training's headline figures, else the first few."""
    present = sorted({k for run in found for k in run.metrics})
    chosen = [k for k in HEADLINE if k in present] or present[:6]
    if sort is not None and sort not in chosen and sort in present:
        chosen.insert(0, sort)
    return chosen


@app.command("show")
def show(ctx: typer.Context, run: str, as_json: bool = JSON_OPTION) -> None:
    """Show one run: params, latest metrics, lineage."""
    with workspace(ctx) as ws:
        found = get_run(ws, run)
        trials = list_trials(ws, found.uid)
    body = {**found.to_json(), "trials": [t.to_json() for t in trials]}
    output(as_json).result(body, lambda: Group(_run_view(found), *_trials_view(trials)))


def _trials_view(trials: list[TrialRecord]) -> list[Table]:
    """The run's trials as a leaderboard: complete ones by score, then the rest."""
    if not trials:
        return []
    view = Table("rank", "trial", "family", "state", "score", "seconds", title="Trials")
    for rank, t in enumerate(rank_trials(trials), start=1):
        score = "" if t.score is None else f"{t.score:.5g}"
        view.add_row(str(rank), str(t.number), t.family, t.state, score, f"{t.fit_seconds:.1f}")
    return [view]


def _run_view(run: Run) -> Group:
    head = Table.grid(padding=(0, 2))
    for key, value in (
        ("run", run.uid),
        ("name", run.name),
        ("status", run.status.value),
        ("project", run.project or "-"),
        ("dataset", run.dataset or "-"),
        ("started", f"{run.started_at} by {run.created_by}"),
        ("seconds", f"wall {run.wall_seconds or 0:.1f}, cpu {run.cpu_seconds or 0:.1f}"),
        ("git", str(run.lineage.get("git_sha") or "-")),
    ):
        head.add_row(key, value)
    params = Table("param", "value")
    for key, value in sorted(run.params.items()):
        params.add_row(key, value)
    metrics = Table("metric", "latest")
    for key, number in sorted(run.metrics.items()):
        metrics.add_row(key, f"{number:.6g}")
    return Group(head, params, metrics)


@app.command("compare")
def compare(
    ctx: typer.Context,
    runs: list[str] = typer.Argument(..., help="Two or more run ids (or prefixes)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare runs side by side: params and latest metrics, differences first."""
    if len(runs) < 2:
        raise InputError.field("RUNS", " ".join(runs), "two or more run ids to compare")
    with workspace(ctx) as ws:
        found = [get_run(ws, r) for r in runs]
    output(as_json).result([r.to_json() for r in found], lambda: _compare_view(found))


def _compare_view(found: list[Run]) -> Table:
    view = Table("", *(f"{r.uid[:8]} {r.name}" for r in found), title="Runs side by side")
    for kind, key in _rows(found):
        cells = [_cell(r, kind, key) for r in found]
        style = "bold" if len(set(cells)) > 1 else "dim"
        view.add_row(f"{kind} {key}", *cells, style=style)
    return view


def _rows(found: list[Run]) -> list[tuple[str, str]]:
    params = sorted({k for r in found for k in r.params})
    metrics = sorted({k for r in found for k in r.metrics})
    rows = [("param", k) for k in params] + [("metric", k) for k in metrics]

    def differs(row: tuple[str, str]) -> bool:
        return len({_cell(r, *row) for r in found}) > 1

    return sorted(rows, key=lambda row: (not differs(row), row))


def _cell(run: Run, kind: str, key: str) -> str:
    if kind == "param":
        return run.params.get(key, "")
    value = run.metrics.get(key)
    return "" if value is None else f"{value:.6g}"
