"""A frame of time series checked for forecasting: one row per group and period, no gaps.

`check_series` refuses what a forecaster would otherwise get silently wrong (duplicated or
missing periods, missing targets, too little history), each with a message naming the group,
the time and the fix. The checked `Series` holds the rows sorted by group, then time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import holidays
import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training.forecast.grid import Frequency, Grid, infer_grid, parse_time, show_time

__all__ = ["Frequency", "Series", "SeriesSpec", "check_series", "min_history"]

MAX_HORIZON = 366
ALIGN = {
    Frequency.HOURLY: "on the hour",
    Frequency.DAILY: "at the same time of day",
    Frequency.WEEKLY: "on the same weekday",
    Frequency.MONTHLY: "on the first, or the last, day of the month",
}


@dataclass(frozen=True, kw_only=True)
class SeriesSpec:
    """What to forecast: the target per period (`time`) of each series (`groups`), `horizon`
    periods ahead, knowing `covariates` in advance; `country` names the holiday calendar
    ("US", or with a subdivision "DE-BY"; None: no holiday features)."""

    time: str
    target: str
    groups: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    horizon: int
    country: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns a training frame needs, target included."""
        return (self.time, *self.groups, self.target, *self.covariates)

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "target": self.target,
            "groups": list(self.groups),
            "covariates": list(self.covariates),
            "horizon": self.horizon,
            "country": self.country,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SeriesSpec:
        country = data.get("country")
        return cls(
            time=str(data["time"]),
            target=str(data["target"]),
            groups=tuple(str(g) for g in data["groups"]),
            covariates=tuple(str(c) for c in data["covariates"]),
            horizon=int(data["horizon"]),
            country=None if country is None else str(country),
        )


@dataclass(frozen=True, eq=False)
class Series:
    """Checked rows, sorted by group then time; the time column is a naive Datetime("us").

    `keys[g]` are group g's values as text, `ids` each row's group number, `periods` each
    row's period on `grid`, `bounds[g]:bounds[g + 1]` group g's rows, `y` the target;
    `columns` are the (name, dtype) of every column of the frame the series was checked from.
    """

    spec: SeriesSpec
    grid: Grid
    frame: pl.DataFrame
    keys: tuple[tuple[str, ...], ...]
    ids: np.ndarray
    periods: np.ndarray
    bounds: np.ndarray
    y: np.ndarray
    columns: tuple[tuple[str, str], ...] = ()

    @property
    def frequency(self) -> Frequency:
        return self.grid.frequency

    def rows(self, group: int) -> slice:
        return slice(int(self.bounds[group]), int(self.bounds[group + 1]))

    def before(self, period: int) -> Series:
        """The rows before `period`: what was known at that time."""
        rows = self.frame.filter(pl.Series(self.periods < period))
        return assemble(rows, self.spec, self.grid, self.columns)


def assemble(
    frame: pl.DataFrame, spec: SeriesSpec, grid: Grid, columns: tuple[tuple[str, str], ...] = ()
) -> Series:
    """A Series of rows already checked and sorted."""
    ids = group_ids(frame, spec.groups)
    periods, _ = grid.periods(frame[spec.time])
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if ids.size else np.zeros(0, int)
    bounds = np.r_[starts, ids.size].astype(np.int64)
    texts = frame[starts].select(pl.col(g).cast(pl.String) for g in spec.groups).rows()
    keys = tuple(tuple(map(str, row)) for row in texts) if spec.groups else ((),) * starts.size
    y = frame[spec.target].cast(pl.Float64).to_numpy()
    return Series(spec, grid, frame, keys, ids, periods, bounds, y, columns)


def group_ids(frame: pl.DataFrame, groups: Sequence[str]) -> np.ndarray:
    """Each row's run of equal group values (0, 1, ...) in a frame sorted by them."""
    if not groups:
        return np.zeros(frame.height, dtype=np.int64)
    return frame.select(pl.struct(list(groups)).rle_id()).to_series().cast(pl.Int64).to_numpy()


def group_text(groups: Sequence[str], key: Sequence[str]) -> str:
    """A group as a message names it: `group store='A'`, or `the series` without groups."""
    if not groups:
        return "the series"
    return "group " + ", ".join(f"{g}={v!r}" for g, v in zip(groups, key, strict=True))


def min_history(frequency: Frequency, horizon: int) -> int:
    """Periods a series needs: two seasons, and beyond the longest lag two horizons of
    targets: one to learn from, one held out to stop boosting and calibrate intervals on."""
    return max(2 * frequency.season, frequency.span + 2 * horizon)


def check_series(frame: pl.DataFrame, spec: SeriesSpec) -> Series:
    """The rows of `frame` checked and sorted; InputError naming the first problem and its fix."""
    check_spec(spec)
    _check_columns(frame, spec)
    _check_target(frame, spec.target)
    _check_covariates(frame, spec.covariates)
    check_group_values(frame, spec.groups)
    columns = tuple((name, str(dtype)) for name, dtype in frame.schema.items())
    frame = frame.select(spec.columns).with_columns(parse_time(frame[spec.time]))
    frame = frame.sort([*spec.groups, spec.time], maintain_order=True)
    ids = group_ids(frame, spec.groups)
    check_duplicates(frame, spec, ids)
    grid = infer_grid(frame[spec.time], ids, spec.time)
    series = assemble(frame, spec, grid, columns)
    check_regular(series)
    check_missing_target(series)
    _check_history(series)
    return series


def check_spec(spec: SeriesSpec) -> None:
    if not 1 <= spec.horizon <= MAX_HORIZON:
        raise InputError.field("horizon", spec.horizon, f"1 to {MAX_HORIZON} periods ahead")
    roles = [spec.time, spec.target, *spec.groups, *spec.covariates]
    twice = sorted({c for c in roles if roles.count(c) > 1})
    if twice:
        raise InputError(
            f"forecast: column(s) {', '.join(map(repr, twice))} named in two roles; "
            "time, target, groups and covariates must be different columns"
        )
    if spec.country is not None:
        country_calendar(spec.country, [2000])


def country_calendar(country: str, years: Sequence[int]) -> dict[Any, Any]:
    """The holidays of `country` ("US", "DE-BY") in `years`, as a date -> name mapping."""
    code, _, subdivision = country.partition("-")
    try:
        return dict(holidays.country_holidays(code, subdiv=subdivision or None, years=years))
    except NotImplementedError as exc:
        raise InputError.field(
            "country", country, "a holiday calendar the holidays package knows, e.g. US or DE-BY"
        ) from exc


def _check_columns(frame: pl.DataFrame, spec: SeriesSpec) -> None:
    roles = [("time", [spec.time]), ("target", [spec.target])]
    roles += [("group", list(spec.groups)), ("covariate", list(spec.covariates))]
    for role, names in roles:
        missing = [n for n in names if n not in frame.columns]
        if missing:
            shown = ", ".join(frame.columns[:8]) + (", ..." if frame.width > 8 else "")
            raise InputError(
                f"{role} column(s) {', '.join(map(repr, missing))} not in the data; "
                f"its columns are {shown}"
            )


def _check_target(frame: pl.DataFrame, target: str) -> None:
    dtype = frame[target].dtype
    if not dtype.is_numeric():
        raise InputError.field(
            f"target column {target!r}", f"{dtype} values", "numbers (quantities to forecast)"
        )


def _check_covariates(frame: pl.DataFrame, covariates: Sequence[str]) -> None:
    for name in covariates:
        dtype = frame[name].dtype
        if not (dtype.is_numeric() or dtype in (pl.Boolean, pl.String, pl.Categorical)):
            raise InputError.field(
                f"covariate column {name!r}", f"{dtype} values", "numbers, true/false or text"
            )


def check_group_values(frame: pl.DataFrame, groups: Sequence[str]) -> None:
    for name in groups:
        missing = frame[name].null_count()
        if missing:
            raise InputError(
                f"group column {name!r}: {missing} missing value(s); "
                "every row must name its series (fill them, or drop those rows)"
            )


def check_duplicates(frame: pl.DataFrame, spec: SeriesSpec, ids: np.ndarray) -> None:
    """At most one row per group and period."""
    us = frame[spec.time].dt.epoch("us").to_numpy()
    twin = (ids[1:] == ids[:-1]) & (us[1:] == us[:-1])
    if not twin.any():
        return
    first = int(np.argmax(twin))
    same = (ids == ids[first]) & (us == us[first])
    key = tuple(str(frame[g].cast(pl.String)[first]) for g in spec.groups)
    raise InputError(
        f"time column {spec.time!r}: {int(twin.sum())} duplicated row(s); the first is "
        f"{show_time(frame[spec.time][first])} in {group_text(spec.groups, key)}, "
        f"which appears {int(same.sum())} times; keep one row per period (aggregate them)"
    )


def check_regular(series: Series) -> None:
    """Consecutive periods in every group: on the grid, no gaps, one step each."""
    spec, frequency = series.spec, series.frequency
    times = series.frame[spec.time]
    _, on_grid = series.grid.periods(times)
    if not on_grid.all():
        i = int(np.argmin(on_grid))
        near = show_time(series.grid.time_of(int(series.periods[i])))
        raise InputError(
            f"time column {spec.time!r}: {show_time(times[i])} in "
            f"{group_text(spec.groups, series.keys[series.ids[i]])} is off the {frequency.value} "
            f"grid of the other periods (such as {near}); date every period alike "
            f"({ALIGN[frequency]})"
        )
    bad = (series.ids[1:] == series.ids[:-1]) & (np.diff(series.periods) != 1)
    if not bad.any():
        return
    i = int(np.argmax(bad)) + 1
    raise InputError(
        f"time column {spec.time!r}: in {group_text(spec.groups, series.keys[series.ids[i]])}, "
        f"{show_time(times[i])} follows {show_time(times[i - 1])}, expected {frequency.value} "
        f"steps; fill the missing periods (one row per {frequency.unit}, e.g. with the "
        "target 0 or interpolated) so every series is regular"
    )


def check_missing_target(series: Series) -> None:
    spec = series.spec
    missing = np.isnan(series.y)
    if not missing.any():
        return
    group = int(series.ids[int(np.argmax(missing))])
    in_group = missing[series.rows(group)]
    first = series.frame[spec.time][series.rows(group)][int(np.argmax(in_group))]
    raise InputError(
        f"target column {spec.target!r}: {int(in_group.sum())} missing value(s) in "
        f"{group_text(spec.groups, series.keys[group])}, the first at {show_time(first)}; "
        "fill them (e.g. 0 for no demand, or interpolate): the series must be complete"
    )


def _check_history(series: Series) -> None:
    spec, frequency = series.spec, series.frequency
    lengths = np.diff(series.bounds)
    shortest = int(np.argmin(lengths))
    rows, group = int(lengths[shortest]), group_text(spec.groups, series.keys[shortest])
    if spec.horizon >= rows:
        raise InputError.field(
            "horizon",
            spec.horizon,
            f"fewer periods than the history; {group} has {rows} row(s)",
        )
    needed = min_history(frequency, spec.horizon)
    if rows < needed:
        raise InputError(
            f"{group} has {rows} {frequency.value} rows; forecasting {spec.horizon} periods "
            f"ahead needs at least {needed} (two seasons, and two horizons beyond the "
            f"{frequency.span}-period lags): gather more history, or shorten the horizon"
        )
