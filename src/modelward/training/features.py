"""Which columns become features, and as what kind: the plan every encoder follows.

The plan is made once, on all labelled rows, before any split: it looks only at a column's
type and its values' shape (missing, constant, identifier-like, free text), never at the target,
so planning on all rows leaks nothing into validation scores.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import polars as pl

from modelward.errors import InputError

MAX_CATEGORIES = 30  # above this many distinct values a text column is high-cardinality
COUNTER_SLACK = 1.5  # a range at most this much wider than the distinct count reads as a counter
ID_MIN_ROWS = 50  # fewer rows than this say nothing about uniqueness
ID_UNIQUE_SHARE = 0.95  # this share of distinct values marks an identifier
ID_NAMED_SHARE = 0.5  # a column named like an id needs only this share
FREE_TEXT_LENGTH = 40  # mean characters per value above which many-valued text is free text
ID_NAMES = frozenset({"id", "uuid", "guid", "key"})
ID_SUFFIXES = ("_id", "_uuid", "_key")


class ColumnKind(StrEnum):
    """How a feature column is read; the encoders decide what each kind becomes."""

    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    HIGH_CARDINALITY = "high_cardinality"  # text with more than MAX_CATEGORIES values
    DATETIME = "datetime"


@dataclass(frozen=True)
class PlannedColumn:
    name: str
    kind: ColumnKind


@dataclass(frozen=True)
class DroppedColumn:
    name: str
    reason: str  # plain words, shown to people: "all values missing"


@dataclass(frozen=True)
class FeaturePlan:
    """The feature columns in frame order, and the columns left out with the reason why."""

    columns: tuple[PlannedColumn, ...]
    dropped: tuple[DroppedColumn, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [{"name": c.name, "kind": c.kind.value} for c in self.columns],
            "dropped": [{"name": d.name, "reason": d.reason} for d in self.dropped],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeaturePlan:
        columns = tuple(
            PlannedColumn(str(c["name"]), ColumnKind(c["kind"])) for c in data["columns"]
        )
        dropped = tuple(DroppedColumn(str(d["name"]), str(d["reason"])) for d in data["dropped"])
        return cls(columns, dropped)


def plan_features(
    frame: pl.DataFrame, *, target: str | None, exclude: Collection[str] = ()
) -> FeaturePlan:
    """Plan every column except `target` and `exclude`; InputError when no feature is left."""
    skip = set(exclude) | ({target} if target is not None else set())
    columns: list[PlannedColumn] = []
    dropped: list[DroppedColumn] = []
    for name in frame.columns:
        if name in skip:
            continue
        verdict = _judge(frame[name])
        if isinstance(verdict, ColumnKind):
            columns.append(PlannedColumn(name, verdict))
        else:
            dropped.append(DroppedColumn(name, verdict))
    if not columns:
        present = [name for name in frame.columns if name in skip]
        raise InputError.field("features", "no usable column", _none_left(dropped, present))
    return FeaturePlan(tuple(columns), tuple(dropped))


def _judge(column: pl.Series) -> ColumnKind | str:
    """The column's kind, or the reason it is not a feature."""
    values = _present(column)
    if values.is_empty():
        return "all values missing"
    kind = _kind(column.dtype)
    if kind is None:
        return f"its type ({column.dtype}) is not used as a feature"
    distinct = values.n_unique()
    if distinct == 1:
        return f"one constant value ({_show(values[0])})"
    text = _is_text(column.dtype)
    if text and distinct > MAX_CATEGORIES and _mean_length(values) > FREE_TEXT_LENGTH:
        return "free text is not used as a feature"
    if (text or _counter_like(values)) and _id_like(column.name, distinct, len(values)):
        return f"looks like an identifier ({distinct} distinct values in {len(values)} rows)"
    if kind is ColumnKind.CATEGORICAL and distinct > MAX_CATEGORIES:
        return ColumnKind.HIGH_CARDINALITY
    return kind


def identifier_columns(frame: pl.DataFrame, *, besides: Sequence[str] = ()) -> list[str]:
    """The columns of `frame` (other than `besides`) that look like row identifiers, as
    feature planning judges them: named like an id, or unique text or counter values."""
    found = []
    for name in frame.columns:
        if name in besides:
            continue
        values = _present(frame[name])
        text = _is_text(values.dtype)
        if (text or _counter_like(values)) and _id_like(name, values.n_unique(), len(values)):
            found.append(name)
    return found


def _present(column: pl.Series) -> pl.Series:
    """The column's values that are not missing (NaN counts as missing)."""
    if column.dtype.is_float():
        column = column.fill_nan(None)
    return column.drop_nulls()


def _kind(dtype: pl.DataType) -> ColumnKind | None:
    if dtype == pl.Boolean:
        return ColumnKind.BOOLEAN
    if dtype.is_numeric():
        return ColumnKind.NUMERIC
    if _is_text(dtype):
        return ColumnKind.CATEGORICAL
    if isinstance(dtype, pl.Date | pl.Datetime):
        return ColumnKind.DATETIME
    return None  # durations, times, binary, nested: no encoding for them


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)


def _mean_length(values: pl.Series) -> float:
    mean = values.cast(pl.String).str.len_chars().mean()
    return float(mean) if isinstance(mean, int | float) else 0.0


def _counter_like(values: pl.Series) -> bool:
    """Integers filling (nearly) a whole range, as row numbers and sequence ids do.

    A unique integer measure (an income, an area) spreads over a much wider range: it stays.
    """
    if not values.dtype.is_integer():
        return False
    low, high = values.min(), values.max()
    if not isinstance(low, int) or not isinstance(high, int):
        return False
    return high - low + 1 <= values.n_unique() * COUNTER_SLACK


def _id_like(name: str, distinct: int, rows: int) -> bool:
    if rows >= ID_MIN_ROWS and distinct >= ID_UNIQUE_SHARE * rows:
        return True
    return _id_name(name) and distinct > ID_NAMED_SHARE * rows


def _id_name(name: str) -> bool:
    lower = name.lower()
    if lower in ID_NAMES or lower.endswith(ID_SUFFIXES):
        return True
    # camelCase and PascalCase ids: customerId, CustomerID
    return len(name) > 2 and name.endswith(("Id", "ID")) and name[-3].islower()


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _none_left(dropped: list[DroppedColumn], skipped: list[str]) -> str:
    reasons = "; ".join(f"{d.name!r}: {d.reason}" for d in dropped[:10])
    if len(dropped) > 10:
        reasons += f"; and {len(dropped) - 10} more"
    without = ", ".join(repr(s) for s in skipped) or "nothing"
    unused = f" (not used: {reasons})" if reasons else ""
    return (
        f"at least one feature column besides {without}{unused}; "
        "add a usable column or exclude fewer"
    )
