"""Periods of a series: its frequency, and each time's place on the grid of steps.

Every time is turned into a whole period number (hours, days or weeks since 1970, or months
since year 0), so gaps, horizons and "how far ahead" are integer arithmetic. A time that is not
a whole number of steps from the grid's anchor is off the grid: the series is irregular there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training.schema import convert

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
EPOCH = dt.datetime(1970, 1, 1)
MONTH_DAYS = range(28, 32)


class Frequency(StrEnum):
    """How far apart periods are, and what a season and the model's lags are for each."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def unit(self) -> str:
        return UNITS[self]

    @property
    def season(self) -> int:
        """Periods per seasonal cycle: a day of hours, a week of days, a year of weeks/months."""
        return SEASONS[self]

    @property
    def step_us(self) -> int | None:
        """A step in microseconds; None for months, which differ in length."""
        return STEPS[self]

    @property
    def lags(self) -> tuple[int, ...]:
        """Past periods the model reads: a season of lags, then whole seasons back.

        Hourly and daily go back four seasons; weekly and monthly stop at one and two years,
        so two years of history are enough to start.
        """
        return LAGS[self]

    @property
    def windows(self) -> tuple[int, ...]:
        """Lengths of the rolling means and deviations over the latest periods."""
        return WINDOWS[self]

    @property
    def span(self) -> int:
        """Periods of history one prediction reads: the longest lag."""
        return max(*self.lags, *self.windows)

    def quantity(self, n: int) -> str:
        """`n` periods in words: "1 day", "23 days"."""
        return f"{n} {self.unit}{'' if n == 1 else 's'}"


UNITS = {
    Frequency.HOURLY: "hour",
    Frequency.DAILY: "day",
    Frequency.WEEKLY: "week",
    Frequency.MONTHLY: "month",
}
SEASONS = {Frequency.HOURLY: 24, Frequency.DAILY: 7, Frequency.WEEKLY: 52, Frequency.MONTHLY: 12}
STEPS = {
    Frequency.HOURLY: HOUR_US,
    Frequency.DAILY: DAY_US,
    Frequency.WEEKLY: 7 * DAY_US,
    Frequency.MONTHLY: None,
}
LAGS = {
    Frequency.HOURLY: (*range(1, 25), 48, 72, 96),
    Frequency.DAILY: (*range(1, 8), 14, 21, 28),
    Frequency.WEEKLY: (1, 2, 3, 4, 8, 13, 26, 52),
    Frequency.MONTHLY: (*range(1, 13), 24),
}
WINDOWS = {
    Frequency.HOURLY: (24, 96),
    Frequency.DAILY: (7, 28),
    Frequency.WEEKLY: (4, 13),
    Frequency.MONTHLY: (3, 12),
}


@dataclass(frozen=True)
class Grid:
    """The periods of a series. `phase`: for fixed steps, microseconds past each step boundary
    since 1970 (daily data at 06:00 has a phase of six hours); for months, 0 when every time is
    a month's first day and 1 when it is its last."""

    frequency: Frequency
    phase: int

    def periods(self, times: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """Each time's period number (int64), and whether it lies exactly on the grid."""
        step = self.frequency.step_us
        if step is not None:
            shifted = times.dt.epoch("us").to_numpy() - self.phase
            return shifted // step, shifted % step == 0
        parts = times.to_frame("t").select(
            (pl.col("t").dt.year() * 12 + pl.col("t").dt.month() - 1).alias("period"),
            (pl.col("t") == _anchor(pl.col("t"), self.phase)).alias("on"),
        )
        return parts["period"].cast(pl.Int64).to_numpy(), parts["on"].to_numpy()

    def time_of(self, period: int) -> dt.datetime:
        """The time of a period number (for messages and reports)."""
        step = self.frequency.step_us
        if step is not None:
            return EPOCH + dt.timedelta(microseconds=period * step + self.phase)
        year, month = divmod(period, 12)
        first = dt.datetime(year, month + 1, 1)
        if self.phase == 0:
            return first
        following = (first + dt.timedelta(days=31)).replace(day=1)
        return following - dt.timedelta(days=1)

    def to_json(self) -> dict[str, Any]:
        return {"frequency": self.frequency.value, "phase": self.phase}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Grid:
        return cls(Frequency(data["frequency"]), int(data["phase"]))


def infer_grid(times: pl.Series, ids: np.ndarray, column: str) -> Grid:
    """The grid of times sorted within groups (`ids`): its most common step decides."""
    us = times.dt.epoch("us").to_numpy()
    same = ids[1:] == ids[:-1]
    steps = (us[1:] - us[:-1])[same]
    if steps.size == 0:
        raise InputError(
            f"time column {column!r}: every series has a single row; "
            "a forecast needs a history of many periods"
        )
    values, counts = np.unique(steps, return_counts=True)
    common = int(values[np.argmax(counts)])
    frequency = _frequency(common, column)
    step = frequency.step_us
    if step is not None:
        return Grid(frequency, int(us[0] % step))
    return Grid(frequency, _month_phase(times, column))


def _frequency(step: int, column: str) -> Frequency:
    for frequency in (Frequency.HOURLY, Frequency.DAILY, Frequency.WEEKLY):
        if step == frequency.step_us:
            return frequency
    if step % DAY_US == 0 and step // DAY_US in MONTH_DAYS:
        return Frequency.MONTHLY
    raise InputError(
        f"time column {column!r}: the most common step between periods is {_duration(step)}; "
        "expected hourly, daily, weekly or monthly periods (aggregate the data to one of them)"
    )


def _month_phase(times: pl.Series, column: str) -> int:
    t = pl.col("t")
    share = times.to_frame("t").select(
        (t == _anchor(t, 0)).mean().alias("first"), (t == _anchor(t, 1)).mean().alias("last")
    )
    first, last = float(share["first"][0]), float(share["last"][0])
    if max(first, last) < 0.5:
        raise InputError(
            f"time column {column!r}: monthly periods must be dated on the first or the last "
            "day of each month (at midnight); most are not"
        )
    return 0 if first >= last else 1


def _anchor(t: pl.Expr, phase: int) -> pl.Expr:
    start = t.dt.truncate("1mo")
    return start if phase == 0 else start.dt.month_end()


def _duration(us: int) -> str:
    if us % DAY_US == 0:
        return f"{us // DAY_US} days"
    if us % HOUR_US == 0:
        return f"{us // HOUR_US} hours"
    return f"{us / 60_000_000:g} minutes"


def parse_time(values: pl.Series) -> pl.Series:
    """Date, Datetime or ISO text as naive Datetime("us"); InputError naming a bad value."""
    column = values.name
    if values.null_count():
        raise InputError(
            f"time column {column!r}: {values.null_count()} missing value(s); "
            "every row needs its period's date"
        )
    dtype = values.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        values = values.dt.replace_time_zone(None)
    elif dtype == pl.String:
        parsed = convert(values, pl.Datetime("us"))
        if parsed.null_count():
            bad = values.filter(parsed.is_null())[0]
            raise InputError.field(
                f"time column {column!r}", bad, "dates or date-times as ISO text, e.g. 2016-03-01"
            )
        return parsed.alias(column)
    elif dtype != pl.Date and not isinstance(dtype, pl.Datetime):
        raise InputError.field(
            f"time column {column!r}", f"{dtype} values", "dates, date-times or ISO text"
        )
    return values.cast(pl.Datetime("us")).alias(column)


def show_time(value: dt.datetime) -> str:
    """A time as people write it: the date alone at midnight."""
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ", timespec="minutes")
