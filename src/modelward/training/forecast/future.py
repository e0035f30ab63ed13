"""Where a forecast starts (each series' latest periods) and checks of the periods asked for.

A forecast is made period by period from the end of each series' history, feeding each
prediction into the next one's lags; so the future rows of a series must be the periods right
after its history's end, without gaps, at most a horizon of them, each with its covariates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training.forecast.features import Covariate
from modelward.training.forecast.grid import Grid, parse_time, show_time
from modelward.training.forecast.series import (
    Series,
    SeriesSpec,
    assemble,
    check_duplicates,
    check_group_values,
    check_missing_target,
    check_regular,
    group_ids,
    group_text,
)
from modelward.training.schema import convert

Key = tuple[str, ...]
CASTS = {"number": pl.Float64(), "flag": pl.Boolean(), "text": pl.String()}


@dataclass(frozen=True, eq=False)
class Tail:
    """Each series' last `span` target values (oldest first) and its last period."""

    keys: tuple[Key, ...]
    ends: np.ndarray
    values: np.ndarray

    def position(self) -> dict[Key, int]:
        return {key: i for i, key in enumerate(self.keys)}

    def updated(self, newer: Tail) -> Tail:
        """This tail with `newer`'s series replacing their older state."""
        ends, values = self.ends.copy(), self.values.copy()
        where = self.position()
        for i, key in enumerate(newer.keys):
            ends[where[key]], values[where[key]] = newer.ends[i], newer.values[i]
        return Tail(self.keys, ends, values)

    def to_json(self) -> dict[str, Any]:
        return {
            "keys": [list(k) for k in self.keys],
            "ends": [int(e) for e in self.ends],
            "values": self.values.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tail:
        keys = tuple(tuple(str(v) for v in k) for k in data["keys"])
        values = np.asarray(data["values"], dtype=np.float64).reshape(len(keys), -1)
        return cls(keys, np.asarray(data["ends"], dtype=np.int64), values)


def tail_of(series: Series, span: int) -> Tail:
    ends = series.bounds[1:]
    values = np.stack([series.y[end - span : end] for end in ends])
    return Tail(series.keys, series.periods[ends - 1].astype(np.int64), values)


@dataclass(frozen=True)
class Request:
    """Checked future rows: conformed columns, each row's series (in the tail) and step."""

    frame: pl.DataFrame
    series: np.ndarray
    steps: np.ndarray


def check_history(frame: pl.DataFrame, spec: SeriesSpec, grid: Grid, known: Tail) -> Tail:
    """The tail of a recent history of some of the model's series; InputError if unusable."""
    needed = SeriesSpec(time=spec.time, target=spec.target, groups=spec.groups, horizon=1)
    _require(frame, needed.columns, "history")
    check_group_values(frame, spec.groups)
    if not frame[spec.target].dtype.is_numeric():
        raise InputError.field(
            f"history column {spec.target!r}", frame[spec.target].dtype, "numbers"
        )
    frame = frame.select(needed.columns).with_columns(parse_time(frame[spec.time]))
    frame = frame.sort([*spec.groups, spec.time], maintain_order=True)
    check_duplicates(frame, needed, group_ids(frame, spec.groups))
    series = assemble(frame, needed, grid)
    check_regular(series)
    check_missing_target(series)
    span = known.values.shape[1]
    _known_groups(spec, series.keys, known)
    for g, key in enumerate(series.keys):
        rows = int(series.bounds[g + 1] - series.bounds[g])
        if rows < span:
            raise InputError(
                f"history: {group_text(spec.groups, key)} has {rows} row(s); the model reads "
                f"the last {span} periods of each series it forecasts: give at least {span}"
            )
    return tail_of(series, span)


def check_future(
    frame: pl.DataFrame,
    spec: SeriesSpec,
    grid: Grid,
    tail: Tail,
    covariates: Sequence[Covariate],
) -> Request:
    """The periods to forecast, checked against the tail; InputError naming the problem."""
    _require(frame, (spec.time, *spec.groups), "future")
    _require(frame, spec.covariates, "future", what="covariate column(s)")
    check_group_values(frame, spec.groups)
    conformed = frame.select(
        parse_time(frame[spec.time]),
        *(pl.col(g).cast(pl.String) for g in spec.groups),
        *(_cast(frame[c.name], c) for c in covariates),
    )
    keys = conformed.select(spec.groups).rows() if spec.groups else [()] * frame.height
    index = _known_groups(spec, keys, tail)
    series = np.asarray([index[k] for k in keys], dtype=np.int64)
    periods, on_grid = grid.periods(conformed[spec.time])
    steps = periods - tail.ends[series]
    request = Request(conformed, series, steps)
    _check_steps(request, spec, grid, tail, on_grid)
    _check_complete(request, spec, grid, tail)
    _check_covariates(conformed, spec)
    return request


def _require(
    frame: pl.DataFrame, names: Sequence[str], where: str, *, what: str = "column(s)"
) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(
            f"{where}: missing {what} {', '.join(map(repr, missing))}; "
            "the model needs them for every period it forecasts"
        )


def _cast(values: pl.Series, covariate: Covariate) -> pl.Series:
    cast = convert(values, CASTS[covariate.kind])
    bad = values.is_not_null() & cast.is_null()
    if bad.any():
        raise InputError.field(
            f"covariate {covariate.name!r}", values.filter(bad)[0], f"{covariate.kind} values"
        )
    return cast.alias(covariate.name)


def _known_groups(spec: SeriesSpec, keys: Sequence[Key], tail: Tail) -> dict[Key, int]:
    index = tail.position()
    unknown = next((k for k in keys if k not in index), None)
    if unknown is not None:
        example = group_text(spec.groups, tail.keys[0])
        raise InputError(
            f"{group_text(spec.groups, unknown)} was not in the training data; the model "
            f"forecasts only the {len(tail.keys)} series it was trained on (e.g. {example})"
        )
    return index


def _check_steps(
    request: Request, spec: SeriesSpec, grid: Grid, tail: Tail, on_grid: np.ndarray
) -> None:
    """Every time on the grid, and within the horizon after its series' history."""
    bad = np.flatnonzero(~on_grid | (request.steps < 1) | (request.steps > spec.horizon))
    if bad.size == 0:
        return
    i, frequency = int(bad[0]), grid.frequency
    g, step = int(request.series[i]), int(request.steps[i])
    when = show_time(request.frame[spec.time][i])
    end = f"the history's end {show_time(grid.time_of(int(tail.ends[g])))}"
    if spec.groups:
        end += f" ({group_text(spec.groups, tail.keys[g])})"
    if not on_grid[i]:
        raise InputError(
            f"future: {when} is not on the series' {frequency.value} grid ({end}); "
            f"give times whole {frequency.unit}s after it"
        )
    if step < 1:
        raise InputError(f"future: {when} is not after {end}; forecast periods must follow it")
    raise InputError(
        f"future: {when} is {frequency.quantity(step)} after {end}; "
        f"this model forecasts at most {frequency.quantity(spec.horizon)} ahead"
    )


def _check_complete(request: Request, spec: SeriesSpec, grid: Grid, tail: Tail) -> None:
    """No duplicated rows, and every series' steps are 1, 2, ... up to its last."""
    width = spec.horizon + 1
    cells = request.series * width + request.steps
    unique, counts = np.unique(cells, return_counts=True)
    if unique.size < cells.size:
        g, step = divmod(int(unique[np.argmax(counts > 1)]), width)
        when = show_time(grid.time_of(int(tail.ends[g]) + step))
        raise InputError(
            f"future: {int((counts - 1).sum())} duplicated row(s); the first is {when} in "
            f"{group_text(spec.groups, tail.keys[g])}; give one row per series and period"
        )
    for g in np.unique(request.series):
        steps = np.sort(request.steps[request.series == g])
        gap = np.flatnonzero(steps != np.arange(1, steps.size + 1))
        if gap.size:
            missing = int(gap[0]) + 1
            when = show_time(grid.time_of(int(tail.ends[g]) + missing))
            first = show_time(grid.time_of(int(tail.ends[g]) + 1))
            raise InputError(
                f"future: {group_text(spec.groups, tail.keys[g])} has no row for {when}; a "
                "forecast runs period by period from the history's end, so give every period "
                f"from {first} up to the last one wanted"
            )


def _check_covariates(frame: pl.DataFrame, spec: SeriesSpec) -> None:
    for name in spec.covariates:
        values = frame[name]
        missing = values.is_null() | (values.is_nan() if values.dtype.is_float() else False)
        if missing.any():
            first = show_time(frame[spec.time].filter(missing)[0])
            raise InputError(
                f"future: covariate {name!r} is missing at {first} ({int(missing.sum())} "
                "row(s) in all); covariates must be known for every forecast period"
            )
