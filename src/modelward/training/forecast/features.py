"""The features of one period, from what is known before it and what is known in advance.

Two blocks, kept apart so that nothing at or after a period's time leaks into its features:

- `history`: lags, rolling means and deviations, and the mean of the same season's past
  values, all read from a window of the `span` periods *before* the period (during a
  forecast that window holds the model's own earlier predictions);
- `known`: the calendar, holidays, covariates and group codes of the period itself: all
  known in advance by definition.

Text covariates and group columns become integer codes learned when the model is fitted; a
text value never seen then is missing (NaN), which the trees route like any missing value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.training.calendar import part
from modelward.training.forecast.grid import Frequency
from modelward.training.forecast.series import Series, country_calendar

HOLIDAY_REACH = 30  # days to the next (since the last) holiday are clipped here
CALENDAR = {
    Frequency.HOURLY: ("hour", "dayofweek", "dayofyear", "month", "year"),
    Frequency.DAILY: (
        *("dayofweek", "day", "dayofyear", "week", "month", "year"),
        *("month_start", "month_end"),
    ),
    Frequency.WEEKLY: ("week", "month", "year"),
    Frequency.MONTHLY: ("month", "year"),
}
DAY_HOLIDAYS = ("holiday", "holiday_tomorrow", "holiday_yesterday")
PERIOD_HOLIDAYS = ("holidays",)  # weekly and monthly: how many fall in the period
REACH_HOLIDAYS = ("days_to_holiday", "days_since_holiday")


@dataclass(frozen=True)
class Covariate:
    """A covariate as the model reads it: `number`, `flag` (0/1) or `text` (codes of `levels`)."""

    name: str
    kind: str
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeatureSet:
    """The feature columns of a fitted model, in matrix order: history, then known."""

    frequency: Frequency
    time: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # (column, levels in code order)
    covariates: tuple[Covariate, ...]
    country: str | None

    @property
    def span(self) -> int:
        return self.frequency.span

    @property
    def history_names(self) -> tuple[str, ...]:
        rolling = [f"{stat}_{w}" for w in self.frequency.windows for stat in ("mean", "std")]
        return (*(f"lag_{k}" for k in self.frequency.lags), *rolling, "seasonal_mean")

    @property
    def known_names(self) -> tuple[str, ...]:
        return (
            *CALENDAR[self.frequency],
            *self._holiday_names(),
            *(c.name for c in self.covariates),
            *(name for name, _ in self.groups),
        )

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.history_names, *self.known_names)

    @property
    def categorical(self) -> list[int]:
        """Matrix columns holding codes: text covariates, then the group columns."""
        first = len(self.history_names) + len(CALENDAR[self.frequency]) + len(self._holiday_names())
        texts = [first + i for i, c in enumerate(self.covariates) if c.kind == "text"]
        first += len(self.covariates)
        return texts + [first + j for j in range(len(self.groups))]

    def history(self, windows: np.ndarray) -> np.ndarray:
        """Features of the periods after each row of `windows` (the `span` values before it)."""
        span, season = self.span, self.frequency.season
        columns = [windows[:, span - k] for k in self.frequency.lags]
        for width in self.frequency.windows:
            recent = windows[:, span - width :]
            columns += [recent.mean(axis=1), recent.std(axis=1)]
        same = [windows[:, span - k * season] for k in range(1, span // season + 1)]
        columns.append(np.mean(same, axis=0))
        return np.column_stack(columns)

    def known(self, frame: pl.DataFrame) -> np.ndarray:
        """Features known in advance of each `frame` row (time as Datetime, groups, covariates)."""
        t = pl.col(self.time)
        calendar = frame.select(
            _calendar(t, name).cast(pl.Float64).alias(name) for name in CALENDAR[self.frequency]
        )
        blocks = [calendar.to_numpy(), self._holidays(frame[self.time])]
        blocks += [_covariate(frame[c.name], c) for c in self.covariates]
        blocks += [_codes(frame[name], levels) for name, levels in self.groups]
        return np.column_stack(blocks).astype(np.float64)

    def _holiday_names(self) -> tuple[str, ...]:
        if self.country is None:
            return ()
        daily = self.frequency in (Frequency.HOURLY, Frequency.DAILY)
        return (*(DAY_HOLIDAYS if daily else PERIOD_HOLIDAYS), *REACH_HOLIDAYS)

    def _holidays(self, times: pl.Series) -> np.ndarray:
        if self.country is None:
            return np.empty((times.len(), 0))
        days = _days(times)
        seen = times.dt.year().to_numpy()
        years = range(int(seen.min()) - 1, int(seen.max()) + 2)
        calendar = country_calendar(self.country, list(years))
        marked = np.unique([(d - dt.date(1970, 1, 1)).days for d in calendar])
        if self.frequency in (Frequency.HOURLY, Frequency.DAILY):
            found = [np.isin(days + shift, marked) for shift in (0, 1, -1)]
            columns = [f.astype(np.float64) for f in found]
        else:
            days, ends = _period_bounds(times, self.frequency)
            inside = np.searchsorted(marked, ends) - np.searchsorted(marked, days)
            columns = [inside.astype(np.float64)]
        to_next = _gap(marked, np.searchsorted(marked, days, side="left"), days, ahead=True)
        since = _gap(marked, np.searchsorted(marked, days, side="right") - 1, days, ahead=False)
        return np.column_stack([*columns, to_next, since])

    def to_json(self) -> dict[str, Any]:
        return {
            "frequency": self.frequency.value,
            "time": self.time,
            "groups": [{"name": n, "levels": list(levels)} for n, levels in self.groups],
            "covariates": [
                {"name": c.name, "kind": c.kind, "levels": list(c.levels)} for c in self.covariates
            ],
            "country": self.country,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSet:
        groups = tuple((str(g["name"]), tuple(map(str, g["levels"]))) for g in data["groups"])
        covariates = tuple(
            Covariate(str(c["name"]), str(c["kind"]), tuple(map(str, c["levels"])))
            for c in data["covariates"]
        )
        country = data["country"]
        return cls(
            Frequency(data["frequency"]),
            str(data["time"]),
            groups,
            covariates,
            None if country is None else str(country),
        )


def fit_features(series: Series) -> FeatureSet:
    """The features of `series`: covariate kinds and the codes of text values and groups."""
    spec, frame = series.spec, series.frame
    groups = tuple((name, _levels(frame[name])) for name in spec.groups)
    covariates = tuple(_fit_covariate(frame[name]) for name in spec.covariates)
    return FeatureSet(series.frequency, spec.time, groups, covariates, spec.country)


def _fit_covariate(values: pl.Series) -> Covariate:
    if values.dtype == pl.Boolean:
        return Covariate(values.name, "flag")
    if values.dtype.is_numeric():
        return Covariate(values.name, "number")
    return Covariate(values.name, "text", _levels(values))


def _levels(values: pl.Series) -> tuple[str, ...]:
    return tuple(str(v) for v in values.cast(pl.String).drop_nulls().unique().sort().to_list())


def _covariate(values: pl.Series, covariate: Covariate) -> np.ndarray:
    if covariate.kind == "text":
        return _codes(values, covariate.levels)
    return values.cast(pl.Float64).fill_null(np.nan).to_numpy()


def _codes(values: pl.Series, levels: tuple[str, ...]) -> np.ndarray:
    mapping = {level: float(i) for i, level in enumerate(levels)}
    codes = values.cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.Float64)
    return codes.fill_null(np.nan).to_numpy()


def _calendar(t: pl.Expr, name: str) -> pl.Expr:
    match name:
        case "week":
            return t.dt.week()
        case "month_start":
            return t.dt.day() == 1
        case "month_end":
            return t.dt.month_end().dt.day() == t.dt.day()
    return part(t, name)


def _gap(marked: np.ndarray, index: np.ndarray, days: np.ndarray, *, ahead: bool) -> np.ndarray:
    """Days to the holiday at `index` (or since it), clipped at HOLIDAY_REACH."""
    inside = (index >= 0) & (index < marked.size)
    found = marked[np.clip(index, 0, max(marked.size - 1, 0))] if marked.size else days
    gap = np.where(inside, (found - days) if ahead else (days - found), HOLIDAY_REACH)
    return np.minimum(gap, HOLIDAY_REACH).astype(np.float64)


def _days(dates: pl.Series) -> np.ndarray:
    """Days since 1970 of each time's date."""
    return dates.dt.date().cast(pl.Int32).to_numpy().astype(np.int64)


def _period_bounds(times: pl.Series, frequency: Frequency) -> tuple[np.ndarray, np.ndarray]:
    """Each period's first day and the day after its last (a week on; a calendar month)."""
    if frequency is Frequency.WEEKLY:
        start = _days(times)
        return start, start + 7
    month = times.dt.truncate("1mo")
    return _days(month), _days(month.dt.month_end()) + 1
