"""Dates and times as numbers: year, month, day, day of week, day of year, and the hour.

The hour is kept only when some training value has a time of day; a date column stored as a
datetime at midnight would otherwise give a constant column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from modelward.training.kinds import Style
from modelward.training.numeric_code import Scaling, clean, finite, missing_flag

DATE_PARTS = ("year", "month", "day", "dayofweek", "dayofyear")
TIME_PARTS = ("hour",)


def part(expr: pl.Expr, name: str) -> pl.Expr:
    """One calendar number of a Date or Datetime expression (dayofweek: Monday = 0)."""
    match name:
        case "year":
            return expr.dt.year()
        case "month":
            return expr.dt.month()
        case "day":
            return expr.dt.day()
        case "dayofweek":
            return expr.dt.weekday() - 1
        case "dayofyear":
            return expr.dt.ordinal_day()
        case "hour":
            return expr.dt.hour()
    raise ValueError(f"unknown calendar part {name!r}")


def part_value(value: dt.date, name: str) -> int:
    """`part` for one date or datetime (a date's hour is 0)."""
    match name:
        case "year":
            return value.year
        case "month":
            return value.month
        case "day":
            return value.day
        case "dayofweek":
            return value.weekday()
        case "dayofyear":
            return value.timetuple().tm_yday
        case "hour":
            return value.hour if isinstance(value, dt.datetime) else 0
    raise ValueError(f"unknown calendar part {name!r}")


@dataclass(frozen=True)
class CalendarCode:
    """`<col>.<part>` per part (NaN for missing in TREE), plus `<col>=missing` when flagged."""

    TYPE: ClassVar[str] = "calendar"

    source: str
    parts: tuple[str, ...]
    scalings: tuple[Scaling, ...]  # one per part; identity (NaN kept) for TREE
    flag: bool

    @property
    def names(self) -> tuple[str, ...]:
        missing = (f"{self.source}=missing",) if self.flag else ()
        return (*(f"{self.source}.{p}" for p in self.parts), *missing)

    def exprs(self) -> list[pl.Expr]:
        column = pl.col(self.source)
        numbers = [
            s.apply(clean(part(column, p))) for p, s in zip(self.parts, self.scalings, strict=True)
        ]
        return numbers + ([missing_flag(column)] if self.flag else [])

    def encode_value(self, value: dt.date | None) -> tuple[float, ...]:
        """`exprs` for one conformed value (a date, a naive datetime or None)."""
        numbers = [
            s.apply_value(None if value is None else finite(part_value(value, p)))
            for p, s in zip(self.parts, self.scalings, strict=True)
        ]
        if self.flag:
            numbers.append(1.0 if value is None else 0.0)
        return tuple(numbers)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.TYPE,
            "source": self.source,
            "parts": list(self.parts),
            "scalings": [s.to_json() for s in self.scalings],
            "flag": self.flag,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CalendarCode:
        parts = tuple(str(p) for p in data["parts"])
        for name in parts:
            part(pl.col("_"), name)  # refuse unknown parts on load, not on first use
        scalings = tuple(Scaling.from_json(s) for s in data["scalings"])
        return cls(str(data["source"]), parts, scalings, bool(data["flag"]))


def fit_calendar(values: pl.Series, *, style: Style) -> CalendarCode:
    parts = DATE_PARTS + (TIME_PARTS if _has_time(values) else ())
    if style is Style.TREE:
        return CalendarCode(values.name, parts, tuple(Scaling() for _ in parts), flag=False)
    numbers = values.to_frame("v").select(clean(part(pl.col("v"), p)).alias(p) for p in parts)
    scalings = tuple(Scaling.standard(numbers[p]) for p in parts)
    return CalendarCode(values.name, parts, scalings, flag=values.null_count() > 0)


def _has_time(values: pl.Series) -> bool:
    if not isinstance(values.dtype, pl.Datetime):
        return False
    since_midnight = values.dt.time().cast(pl.Int64)
    return bool((since_midnight != 0).any())
