"""The reference a deployment's traffic is compared with: a small, JSON-storable profile per
column, and the counting of any data over that profile's bins.

A numeric column (numbers; dates and times as seconds) keeps up to ~1,000 "knots" (reference
quantiles, plus the PSI bin edges) and the reference count in each cell between and at them:
(-inf, v0), {v0}, (v0, v1), {v1}, ..., {vK-1}, (vK-1, +inf). Counting current values into the
same cells (one `searchsorted` per column, no sort) gives the PSI bin counts (the edges are knots)
and both empirical CDFs at every knot and just below it, hence the Kolmogorov-Smirnov statistic.
That is exact when the reference has at most ~1,000 distinct values; otherwise it can only be
low, by at most the mass strictly between two knots (about 0.1%), a bound the report carries.
So memory and size stay bounded whatever the row count, unlike a sample of raw values, which
would also cost KS more accuracy (about 1/sqrt(sample size)) than the knots do.

A categorical column (strings, booleans, categories, text) keeps its top categories by count,
the rest lumped as "other", and the missing count. Missing means null, NaN or infinite.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from modelward.errors import InputError

KNOTS = 1000
TOP_CATEGORIES = 50
FORMAT = 1
OTHER = "(other)"
MISSING = "(missing)"

Counts = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

# A dataset contract's roles (modelward.datasets.contract.Role) are kinds too, so a caller can
# pass `{c.name: c.role.value for c in contract.columns}`; identifiers are left out.
_NUMERIC = frozenset({"numeric", "integer", "datetime", "date"})
_CATEGORICAL = frozenset({"categorical", "boolean", "text"})
_SKIPPED = frozenset({"identifier", "skip"})


@dataclass(frozen=True, eq=False)
class Counted:
    """One column's values counted over a profile's bins (missing last) and, for numbers, over
    its knot cells; `new` lists categories the reference never had, most frequent first."""

    bins: Counts
    cells: Counts | None = None
    new: tuple[str, ...] = ()


@dataclass(frozen=True)
class NumericProfile:
    """One numeric column of the reference: knots, count per knot cell, PSI bin edges."""

    column: str
    knots: tuple[float, ...]
    cells: tuple[int, ...]
    edges: tuple[float, ...]
    missing: int
    dated: bool = False
    kind: Literal["numeric"] = "numeric"

    @property
    def rows(self) -> int:
        return sum(self.cells) + self.missing

    @property
    def labels(self) -> tuple[str, ...]:
        """A label per bin, as `count` orders them: "< 9", "9 to < 20", ">= 72", "(missing)"."""
        shown = [_show(edge, dated=self.dated) for edge in self.edges]
        if not shown:
            return ("all values", MISSING)
        middle = [f"{low} to < {high}" for low, high in itertools.pairwise(shown)]
        return (f"< {shown[0]}", *middle, f">= {shown[-1]}", MISSING)

    def reference(self) -> Counted:
        cells = np.asarray(self.cells, dtype=np.int64)
        return Counted(self._bins(cells, self.missing), cells)

    def count(self, series: pl.Series) -> Counted:
        """Count `series` over this profile's bins and knot cells."""
        values = numeric_values(series)
        present = values[~np.isnan(values)]
        knots = np.asarray(self.knots, dtype=np.float64)
        left = np.searchsorted(knots, present, side="left")
        at_knot = np.append(knots, np.nan)[left] == present
        cells = np.bincount(2 * left + at_knot, minlength=2 * knots.size + 1).astype(np.int64)
        return Counted(self._bins(cells, values.size - present.size), cells)

    def _bins(self, cells: Counts, missing: int) -> Counts:
        knots, edges = np.asarray(self.knots), np.asarray(self.edges)
        at_knot = np.searchsorted(edges, knots, side="right")
        # The open cell just below knot k lies in knot k-1's bin: no edge falls inside it.
        bin_of_cell = np.empty(2 * knots.size + 1, dtype=np.int64)
        bin_of_cell[0::2], bin_of_cell[1::2] = np.concatenate(([0], at_knot)), at_knot
        counts = np.bincount(bin_of_cell, weights=cells, minlength=edges.size + 1)
        return np.append(counts.astype(np.int64), missing)


@dataclass(frozen=True)
class CategoricalProfile:
    """One categorical column of the reference: top categories, their counts, other, missing."""

    column: str
    categories: tuple[str, ...]
    counts: tuple[int, ...]
    other: int
    missing: int
    kind: Literal["categorical"] = "categorical"

    @property
    def rows(self) -> int:
        return sum(self.counts) + self.other + self.missing

    @property
    def labels(self) -> tuple[str, ...]:
        return (*self.categories, OTHER, MISSING)

    def reference(self) -> Counted:
        return Counted(np.array([*self.counts, self.other, self.missing], dtype=np.int64))

    def count(self, series: pl.Series) -> Counted:
        """Count `series` per kept category, other (unseen ones included) and missing."""
        values = category_values(series)
        counts = values.drop_nulls().value_counts(name="n")
        known = pl.DataFrame(
            {"value": self.categories, "index": range(len(self.categories))},
            schema={"value": pl.String, "index": pl.Int64},
        )
        joined = counts.join(known, on="value", how="left")
        seen = joined.filter(pl.col("index").is_not_null())
        kept = np.zeros(len(self.categories), dtype=np.int64)
        kept[seen["index"].to_numpy()] = seen["n"].to_numpy()
        missing = values.null_count()
        bins = np.append(kept, [values.len() - missing - int(kept.sum()), missing])
        # Unseen is knowable only when the reference kept every category it had.
        unseen = joined.filter(pl.col("index").is_null()) if self.other == 0 else joined.clear()
        new = unseen.sort(["n", "value"], descending=[True, False])["value"].head(5)
        return Counted(bins.astype(np.int64), None, tuple(new.to_list()))


Profile = NumericProfile | CategoricalProfile


@dataclass(frozen=True)
class Reference:
    """What current data is compared with: the row count and a profile per column, in order.
    Small (a few thousand numbers per column whatever the row count) and stored as JSON."""

    rows: int
    bins: int
    columns: tuple[Profile, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(profile.column for profile in self.columns)

    def to_json(self) -> dict[str, Any]:
        columns = [asdict(profile) for profile in self.columns]
        return {"format": FORMAT, "rows": self.rows, "bins": self.bins, "columns": columns}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reference:
        """Read what `to_json` wrote (after a JSON round trip); anything else is an InputError."""
        try:
            if data["format"] != FORMAT:
                raise ValueError(data["format"])
            columns = tuple(_profile_from_json(column) for column in data["columns"])
            return cls(rows=int(data["rows"]), bins=int(data["bins"]), columns=columns)
        except (KeyError, TypeError, ValueError) as exc:
            expected = f"a drift reference of format {FORMAT} ({exc!r} is wrong)"
            raise InputError.field("reference", type(data).__name__, expected) from exc


def fit_reference(
    frame: pl.DataFrame,
    *,
    bins: int = 10,
    kinds: Mapping[str, str] | None = None,
    top: int = TOP_CATEGORIES,
) -> Reference:
    """Profile every column of `frame` to compare later data with.

    `bins` quantile bins per numeric column (fewer where values repeat); `kinds` overrides the
    kind the dtype implies, per column: numeric, integer, datetime, date (numeric); categorical,
    boolean, text (categorical); identifier, skip (left out). Otherwise numbers, dates and times
    are numeric, lists, structs, binary and all-null columns left out, the rest categorical.
    `top` categories are kept per column."""
    if not 2 <= bins <= 100:
        raise InputError.field("bins", bins, "a whole number from 2 to 100")
    if top < 1:
        raise InputError.field("top", top, "a whole number of categories >= 1")
    profiles = tuple(
        _fit_numeric(frame[name], bins) if kind == "numeric" else _fit_categorical(frame[name], top)
        for name, kind in _kinds(frame, kinds or {}).items()
    )
    return Reference(rows=frame.height, bins=bins, columns=profiles)


def numeric_values(series: pl.Series) -> Floats:
    """Values as floats, NaN where missing (null, NaN, infinite or not a number at all);
    dates and times as seconds since the epoch, durations and times of day as seconds."""
    if _is_dated(series.dtype):
        series = series.cast(pl.Datetime("us")).dt.epoch("us") / 1e6
    elif series.dtype == pl.Duration:
        series = series.dt.total_microseconds() / 1e6
    elif series.dtype == pl.Time:
        series = series.to_physical() / 1e9  # nanoseconds since midnight
    values = series.cast(pl.Float64, strict=False).to_numpy()
    return np.where(np.isfinite(values), values, np.nan)


def category_values(series: pl.Series) -> pl.Series:
    """Values as strings named "value", so frames of different dtypes still match."""
    return series.cast(pl.String, strict=False).alias("value")


def _kinds(frame: pl.DataFrame, kinds: Mapping[str, str]) -> dict[str, str]:
    allowed = _NUMERIC | _CATEGORICAL | _SKIPPED
    for name, kind in kinds.items():
        if name not in frame.columns:
            raise InputError.field("kinds", name, "names of columns of the reference frame")
        if kind not in allowed:
            raise InputError.field(f"kinds[{name!r}]", kind, f"one of {', '.join(sorted(allowed))}")
    chosen: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        kind = kinds.get(name) or _kind_of(dtype)
        if kind not in _SKIPPED:
            chosen[name] = "numeric" if kind in _NUMERIC else "categorical"
    return chosen


def _kind_of(dtype: pl.DataType) -> str:
    if dtype.is_nested() or dtype in (pl.Binary, pl.Object, pl.Null):
        return "skip"  # no distribution to speak of
    numeric = (dtype.is_numeric() and dtype != pl.Boolean) or dtype.is_temporal()
    return "numeric" if numeric else "categorical"


def _is_dated(dtype: pl.DataType) -> bool:
    return dtype == pl.Date or dtype == pl.Datetime


def _fit_numeric(series: pl.Series, bins: int) -> NumericProfile:
    values = numeric_values(series)
    ordered = np.sort(values[~np.isnan(values)])
    n = ordered.size
    edges = knots = np.empty(0)
    if n:
        # Edges are reference values at the quantiles, so bins read "< 9" rather than "< 8.5";
        # one at the minimum would only leave the first bin empty.
        edges = np.unique(ordered[(n * np.arange(1, bins)) // bins])
        edges = edges[edges > ordered[0]]
        knots = np.union1d(ordered[((n - 1) * np.arange(KNOTS + 1)) // KNOTS], edges)
    below = np.searchsorted(ordered, knots, side="left")
    at_or_below = np.searchsorted(ordered, knots, side="right")
    cumulative = np.concatenate(([0], np.column_stack((below, at_or_below)).ravel(), [n]))
    return NumericProfile(
        column=series.name,
        knots=tuple(knots.tolist()),
        cells=tuple(np.diff(cumulative).tolist()),
        edges=tuple(edges.tolist()),
        missing=int(values.size - n),
        dated=_is_dated(series.dtype),
    )


def _fit_categorical(series: pl.Series, top: int) -> CategoricalProfile:
    values = category_values(series)
    missing = values.null_count()
    counts = values.drop_nulls().value_counts(name="n")
    # Most frequent first; ties by name, so the same data always keeps the same categories.
    counts = counts.sort(["n", "value"], descending=[True, False]).head(top)
    return CategoricalProfile(
        column=series.name,
        categories=tuple(counts["value"].to_list()),
        counts=tuple(counts["n"].to_list()),
        other=values.len() - missing - int(counts["n"].sum()),
        missing=missing,
    )


def _profile_from_json(data: Mapping[str, Any]) -> Profile:
    if data["kind"] == "numeric":
        if len(data["cells"]) != 2 * len(data["knots"]) + 1:
            raise ValueError("cells do not match knots")
        return NumericProfile(
            column=str(data["column"]),
            knots=tuple(float(v) for v in data["knots"]),
            cells=tuple(int(v) for v in data["cells"]),
            edges=tuple(float(v) for v in data["edges"]),
            missing=int(data["missing"]),
            dated=bool(data["dated"]),
        )
    if data["kind"] == "categorical":
        if len(data["counts"]) != len(data["categories"]):
            raise ValueError("counts do not match categories")
        return CategoricalProfile(
            column=str(data["column"]),
            categories=tuple(str(v) for v in data["categories"]),
            counts=tuple(int(v) for v in data["counts"]),
            other=int(data["other"]),
            missing=int(data["missing"]),
        )
    raise ValueError(f"kind {data['kind']!r}")


def _show(value: float, *, dated: bool) -> str:
    """An edge for people: 9, 0.125, 2021-03-01 or 2021-03-01T12:30:00."""
    if dated:
        moment = dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
        return moment.date().isoformat() if moment.time() == dt.time() else moment.isoformat()
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"
