"""Rolling-origin backtest: refit at each origin on what was known then, score what followed.

The last `origins` windows of `horizon` periods are forecast in turn, the model and both
baselines fitted only on the periods before each window's first (its origin): nothing after
an origin, target or covariate, reaches its fit; only the window's own covariates, known in
advance by definition, reach its forecast.

Metrics, for the model and each baseline, overall, per step ahead and per series:

- MAE, RMSE, and WAPE (the sum of absolute errors over the sum of absolute actuals);
- MASE: each absolute error divided by its series' in-sample seasonal-naive MAE on the
  history before that origin (`baselines.naive_scale`), then averaged. Below 1 beats
  forecasting every period by the value a season before it, one step ahead, in sample.

Coverage is that of the intervals the model fitted at each origin offers: they are calibrated
on forecasts inside the history before the origin (see `recursive`), never on the window
scored, so the coverage is an honest estimate of what production forecasts get.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training.forecast.baselines import fit_holt_winters, naive_scale, seasonal_naive
from modelward.training.forecast.grid import show_time
from modelward.training.forecast.intervals import DEFAULT_LEVEL
from modelward.training.forecast.model import ForecastModel, Settings
from modelward.training.forecast.series import Series, group_text, min_history

METHODS = ("model", "seasonal_naive", "ets")
METRICS = ("mae", "rmse", "mase", "wape")


@dataclass(frozen=True, eq=False)
class Backtest:
    """Every forecast row of a backtest, and its summaries.

    `rows`: origin (0 = earliest), step (1 = the first period after the origin), the group
    columns, time, actual, the model's `model`/`lower`/`upper`, `seasonal_naive`, `ets`, and
    `scale` (the row's MASE scale). `seconds`: fitting and forecasting time per method.
    """

    horizon: int
    groups: tuple[str, ...]
    origin_times: tuple[str, ...]
    level: float
    rows: pl.DataFrame = field(repr=False)
    seconds: dict[str, float]

    def scores(self, by: tuple[str, ...] = ()) -> pl.DataFrame:
        """`<method>.<metric>` columns (and `coverage`), overall or per value of `by`."""
        aggregations = [_metric(m, name) for m in METHODS for name in METRICS]
        inside = (pl.col("lower") <= pl.col("actual")) & (pl.col("actual") <= pl.col("upper"))
        aggregations.append(inside.mean().alias("coverage"))
        if not by:
            return self.rows.select(aggregations)
        return self.rows.group_by(list(by), maintain_order=True).agg(aggregations).sort(list(by))

    def overall(self) -> dict[str, dict[str, float]]:
        """Metric name -> value, per method (and `coverage`)."""
        return _nested(self.scores().row(0, named=True))

    def to_json(self) -> dict[str, Any]:
        per_step = [_nested(row) for row in self.scores(("step",)).iter_rows(named=True)]
        per_group = (
            [_nested(row) for row in self.scores(self.groups).iter_rows(named=True)]
            if self.groups
            else []
        )
        return {
            "horizon": self.horizon,
            "origins": list(self.origin_times),
            "level": self.level,
            "rows": self.rows.height,
            "overall": self.overall(),
            "per_step": per_step,
            "per_group": per_group,
            "seconds": self.seconds,
            "mase_scale": "in-sample seasonal-naive MAE of each series before each origin",
            "coverage": "of the intervals each origin's model offers, calibrated before it",
        }


def backtest(
    series: Series,
    *,
    origins: int,
    seed: int = 0,
    threads: int = 1,
    level: float = DEFAULT_LEVEL,
    settings: Settings | None = None,
) -> Backtest:
    """The last `origins` horizons of `series`, each forecast from the periods before it."""
    cuts = _cuts(series, origins)
    seconds = dict.fromkeys(METHODS, 0.0)
    fit = functools.partial(
        ForecastModel.fit, seed=seed, threads=threads, level=level, settings=settings
    )
    parts = [_window(series, k, cut, fit, seconds) for k, cut in enumerate(cuts)]
    rows = pl.concat(parts).select("origin", "step", pl.exclude("origin", "step"))
    times = tuple(show_time(series.grid.time_of(c)) for c in cuts)
    return Backtest(series.spec.horizon, series.spec.groups, times, level, rows, seconds)


def _window(
    series: Series,
    k: int,
    cut: int,
    fit: Callable[[Series], ForecastModel],
    seconds: dict[str, float],
) -> pl.DataFrame:
    """The rows of origin `k` (first forecast period `cut`): actuals and every forecast."""
    spec = series.spec
    history = series.before(cut)
    inside = (series.periods >= cut) & (series.periods < cut + spec.horizon)
    window = series.frame.filter(pl.Series(inside))
    started = time.perf_counter()
    forecast = fit(history).forecast(None, window.drop(spec.target))
    seconds["model"] += time.perf_counter() - started
    steps = series.periods[inside] - cut + 1
    return window.select(*spec.groups, spec.time, pl.col(spec.target).alias("actual")).with_columns(
        origin=pl.lit(k),
        step=pl.Series(steps),
        model=forecast["prediction"],
        lower=forecast["lower"],
        upper=forecast["upper"],
        **_baselines(history, window, steps, seconds),
    )


def _cuts(series: Series, origins: int) -> list[int]:
    """Each origin's first forecast period; InputError when the first leaves too little history."""
    if origins < 1:
        raise InputError.field("origins", origins, "at least 1 backtest window")
    spec, horizon = series.spec, series.spec.horizon
    last = int(series.periods.max())
    cuts = [last + 1 - (origins - k) * horizon for k in range(origins)]
    needed = min_history(series.frequency, horizon)
    firsts = series.periods[series.bounds[:-1]]
    before = cuts[0] - firsts
    if (before >= needed).all():
        return cuts
    g = int(np.argmin(before))
    most = (last + 1 - int(firsts.max()) - needed) // horizon
    fewer = f"use at most {most}" if most >= 1 else "gather more history"
    raise InputError(
        f"origins: got {origins}; {group_text(spec.groups, series.keys[g])} has "
        f"{max(int(before[g]), 0)} periods before the first origin "
        f"{show_time(series.grid.time_of(cuts[0]))} and needs {needed}: {fewer}"
    )


def _baselines(
    history: Series, window: pl.DataFrame, steps: np.ndarray, seconds: dict[str, float]
) -> dict[str, pl.Series]:
    """Seasonal naive, Holt-Winters and the MASE scale for each window row."""
    spec, season = history.spec, history.frequency.season
    horizon = spec.horizon
    keys = window.select(pl.col(g).cast(pl.String) for g in spec.groups).rows()
    where = {key: g for g, key in enumerate(history.keys)}
    position = np.asarray([where[k] for k in keys] if spec.groups else [0] * window.height)
    columns = {name: np.empty(window.height) for name in ("seasonal_naive", "ets", "scale")}
    for g in np.unique(position):
        rows = position == g
        values, ahead = history.y[history.rows(int(g))], steps[rows] - 1
        started = time.perf_counter()
        columns["seasonal_naive"][rows] = seasonal_naive(values, season, horizon)[ahead]
        seconds["seasonal_naive"] += time.perf_counter() - started
        started = time.perf_counter()
        columns["ets"][rows] = fit_holt_winters(values, season).forecast(horizon)[ahead]
        seconds["ets"] += time.perf_counter() - started
        columns["scale"][rows] = naive_scale(values, season)
    return {name: pl.Series(name, values) for name, values in columns.items()}


def _metric(method: str, name: str) -> pl.Expr:
    error = (pl.col(method) - pl.col("actual")).abs()
    match name:
        case "mae":
            value = error.mean()
        case "rmse":
            value = (error**2).mean().sqrt()
        case "mase":
            value = (error / pl.col("scale")).mean()
        case _:
            value = error.sum() / pl.col("actual").abs().sum()
    return value.alias(f"{method}.{name}")


def _nested(row: dict[str, Any]) -> dict[str, Any]:
    """`model.mae` columns as {"model": {"mae": ...}}; other columns kept as they are."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        method, dot, metric = name.partition(".")
        if dot:
            out.setdefault(method, {})[metric] = value
        else:
            out[name] = value
    return out
