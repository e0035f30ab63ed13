"""`modelward train` and `modelward predict`: the public contract scripts rely on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.cli.output import Output
from modelward.errors import InputError
from modelward.spec import Task
from modelward.training import TrainOptions

if TYPE_CHECKING:
    # The model libraries take seconds to import: only these two commands pay for them.
    from modelward.model import PredictResult
    from modelward.review import Trained
    from modelward.training import OnTrial, SearchState, TrialOutcome

LEADERBOARD_ROWS = 8


def train_command(
    ctx: typer.Context,
    data: str = typer.Argument(..., help="CSV or Parquet file, or a dataset reference name[@N]."),
    target: str | None = typer.Option(None, "--target", help="Column to predict."),
    task: str = typer.Option(
        "auto", "--task", help="auto, binary, multiclass, regression, forecast or segment."
    ),
    budget: str | None = typer.Option(
        None, "--budget", help="Wall-clock seconds for the whole job [default 60]."
    ),
    trials: str | None = typer.Option(
        None, "--trials", help="Number of searched trials instead of a budget (reproducible)."
    ),
    metric: str | None = typer.Option(None, "--metric", help="Metric to optimize."),
    project: str | None = typer.Option(None, "--project", help="Project (default: file name)."),
    sensitive: str | None = typer.Option(
        None, "--sensitive", help="Sensitive columns A,B: kept out of the features."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    group_col: str | None = typer.Option(
        None,
        "--group-col",
        help="Keep all rows of one group (a customer, a store) in the same fold.",
    ),
    interpretable: bool = typer.Option(
        False, "--interpretable", help="Only glass-box models (and baselines)."
    ),
    families: str | None = typer.Option(
        None, "--families", help="Only these families, e.g. lightgbm,catboost."
    ),
    executor: str | None = typer.Option(
        None, "--executor", help="local (process pool) or ray; default: the executor setting."
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="Ray cluster: auto or HOST:PORT [default: a local instance]."
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="Parallel trials [the CPUs this process may use: affinity and cgroup quota].",
    ),
    name: str | None = typer.Option(None, "--name", help="Run name."),
    no_evaluate: bool = typer.Option(
        False, "--no-evaluate", help="Skip the evaluation report (run `modelward evaluate` later)."
    ),
    time_col: str | None = typer.Option(
        None, "--time-col", help="Forecast: the column with each period's date."
    ),
    group_cols: str | None = typer.Option(
        None, "--group-cols", help="Forecast: columns A,B naming one series each (store, item)."
    ),
    horizon: int | None = typer.Option(None, "--horizon", help="Forecast: periods ahead."),
    covariates: str | None = typer.Option(
        None, "--covariates", help="Forecast: columns A,B known in advance (promotions, weather)."
    ),
    country: str | None = typer.Option(
        None, "--country", help="Forecast: holiday calendar, e.g. US or DE-BY."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Search models within a time budget; register the best as a candidate model version,
    then evaluate it and check the project's gates."""
    options = TrainOptions(
        target=target,
        task=_task(task),
        budget=_seconds(budget),
        trials=_whole(trials),
        metric=metric,
        project=project,
        sensitive=_list(sensitive),
        seed=seed,
        interpretable=interpretable,
        families=_list(families) or (),
        executor=executor,
        ray_address=ray_address,
        workers=workers,
        name=name,
        group_column=group_col,
        time_column=time_col,
        group_columns=_list(group_cols),
        horizon=horizon,
        covariates=_list(covariates),
        country=country,
    )
    from modelward.review import train_and_review

    out = output(as_json)
    with workspace(ctx) as ws, _leaderboard(out) as on_trial:
        trained = train_and_review(ws, data, options, evaluate=not no_evaluate, on_trial=on_trial)
    out.result(trained.to_json(), lambda: _render(trained))


def predict_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model reference: project/v3, project@production."),
    source: Path = typer.Argument(..., help="CSV or Parquet file of rows to score."),
    out_path: Path = typer.Option(..., "-o", "--output", help="Output .csv or .parquet file."),
    ignore_extra: bool = typer.Option(
        False, "--ignore-extra", help="Ignore columns the model does not know."
    ),
    keep: str | None = typer.Option(
        None,
        "--keep",
        help="Input columns to carry into the output, e.g. customer_id (default: the "
        "identifier-like columns).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Score rows: `prediction`, `proba_<label>` per class and `decision` (the action under the
    approved policy), with identifier columns carried through."""
    from modelward.model import predict_file

    kept = None if keep is None else _list(keep)
    if kept is not None and not kept:
        raise InputError.field("--keep", keep, "column names separated by commas")
    with workspace(ctx) as ws:
        result = predict_file(ws, model, source, out_path, ignore_extra=ignore_extra, keep=kept)
    output(as_json).result(result.to_json(), lambda: _scored(result))


def _scored(result: PredictResult) -> str:
    line = f"{result.rows:,} rows scored by {result.model} -> {result.output} "
    line += f"({result.seconds:.2f} s)"
    if result.kept:
        line += f"; kept {', '.join(result.kept)}"
    if result.policy is not None:
        line += f"\ndecision: {result.policy}"
    return line


def _task(text: str) -> Task:
    try:
        return Task(text.strip().lower())
    except ValueError:
        expected = "auto, binary, multiclass, regression, forecast or segment"
        raise InputError.field("--task", text, expected) from None


Number = TypeVar("Number", int, float)


def _seconds(text: str | None) -> float | None:
    return _parsed(text, float, "--budget", "seconds > 0, e.g. --budget 60")


def _whole(text: str | None) -> int | None:
    return _parsed(text, int, "--trials", "a whole number of trials, e.g. --trials 40")


def _parsed(
    text: str | None, kind: Callable[[str], Number], flag: str, expected: str
) -> Number | None:
    """A number flag read here, not by typer: its message then names the value given."""
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InputError.field(flag, text, expected) from None


def _list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


@contextmanager
def _leaderboard(out: Output) -> Iterator[OnTrial | None]:
    """The leaderboard as it forms, live on stderr (not under --json or without a terminal)."""
    if out.json_mode or not out.err.is_terminal:
        yield None
        return
    with Live(Table(), console=out.err, transient=True, refresh_per_second=4) as live:
        yield _updater(live)


def _updater(live: Live) -> Callable[[TrialOutcome, SearchState], None]:
    def update(outcome: TrialOutcome, state: SearchState) -> None:
        live.update(_board(state, f"trial {outcome.number}: {outcome.family} {outcome.state}"))

    return update


def _board(state: SearchState, last: str) -> Group:
    table = Table("rank", "trial", "family", state.metric.name, "seconds", title="Leaderboard")
    for rank, o in enumerate(state.complete()[:LEADERBOARD_ROWS], start=1):
        table.add_row(str(rank), str(o.number), o.family, f"{o.score:.4f}", f"{o.fit_seconds:.1f}")
    return Group(table, f"{len(state.outcomes)} trials; last {last}")


MEASURED = {"forecast": "in the backtest", "segment": "on the training rows"}


def _render(trained: Trained) -> Group:
    result = trained.result
    members = ", ".join(
        f"{m['family']} ({m['weight']:.2f}, {m['runtime']})" for m in result.members
    )
    lines: list[RenderableType] = []
    if result.leaderboard:
        table = Table(
            "trial", "family", result.metric, "seconds", title="Best trials (cross-validated)"
        )
        for row in result.leaderboard:
            table.add_row(
                str(row["trial"]), row["family"], f"{row['score']:.4f}", str(row["seconds"])
            )
        lines.append(table)
    measured = MEASURED.get(result.task, "out of fold")
    lines += [
        f"Model [bold]{result.model.ref}[/] ({result.task}): {result.metric} "
        f"{result.score:.4f} {measured}; members: {members}",
        f"Run {result.run[:8]}, {result.trials} trials in {result.seconds:.1f} s",
        *(f"note: {note}" for note in result.notes),
    ]
    if trained.evaluation is not None:
        lines += [Text(f"- {line}") for line in trained.evaluation.typed_report.summary]
    if trained.gates is not None:
        lines.append(f"Gates: {trained.gates.summary()}")
        lines.append(f"Report: `modelward evaluate {result.model.ref} --html report.html`")
    return Group(*lines)
