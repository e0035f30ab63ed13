"""What an audit looks at: the table, the roles of its columns, the policy and the clock."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TypeVar, cast

import polars as pl

from modelward.audit.profile import ColumnProfile, Kind, id_reason, profile_frame
from modelward.errors import InputError

SAMPLE_ROWS = 50_000
# Columns with at most this many distinct values get their value counts computed once, up front:
# most checks on categories then read a small table instead of the whole column.
MAX_CATEGORIES = 10_000
# A whole-number target with at most this many values is read as class labels, not a quantity.
MAX_CLASSES = 20

T = TypeVar("T")


class TargetKind(enum.Enum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


@dataclass(frozen=True, eq=False)
class AuditContext:
    """The input of every check; frozen, with derived views computed once and cached.

    Not thread-safe while the caches fill: a context belongs to one audit run. Raises
    `InputError` when a named column (target, sensitive attribute, time column) is absent.
    """

    frame: pl.DataFrame
    _: KW_ONLY
    now: datetime
    target: str | None = None
    positive_label: str | None = None
    sensitive: tuple[str, ...] = ()
    time_column: str | None = None
    max_age_days: float | None = None
    parent: pl.DataFrame | None = None
    seed: int = 0
    _memo: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        columns = self.frame.columns
        expected = (
            f"a column of the data ({', '.join(columns[:8])}{', ...' if len(columns) > 8 else ''})"
        )
        for role, name in [("target", self.target), ("time column", self.time_column)]:
            if name is not None and name not in columns:
                raise InputError.field(role, name, expected)
        for name in self.sensitive:
            if name not in columns:
                raise InputError.field("sensitive attribute", name, expected)
        if self.max_age_days is not None and not self.max_age_days > 0:
            raise InputError.field("max age", self.max_age_days, "days > 0")

    @cached_property
    def sample(self) -> pl.DataFrame:
        """At most `SAMPLE_ROWS` rows, drawn with ``seed``: the input of the expensive checks."""
        return _sample(self.frame, self.seed)

    @cached_property
    def parent_sample(self) -> pl.DataFrame | None:
        return None if self.parent is None else _sample(self.parent, self.seed)

    @cached_property
    def sampled(self) -> bool:
        return self.sample.height < self.frame.height

    @cached_property
    def profiles(self) -> dict[str, ColumnProfile]:
        return profile_frame(self.frame, self.sample)

    @cached_property
    def value_counts(self) -> dict[str, pl.DataFrame]:
        """``value``/``n`` tables (nulls left out) of the columns with few distinct values."""
        names = [
            p.name
            for p in self.profiles.values()
            if 0 < p.n_distinct <= MAX_CATEGORIES and not p.free_text
        ]
        queries = [
            self.frame.lazy()
            .select(pl.col(n).alias("value"))
            .drop_nulls()
            .group_by("value")
            .len("n")
            for n in names
        ]
        return dict(zip(names, pl.collect_all(queries), strict=True))

    @cached_property
    def id_columns(self) -> dict[str, str]:
        """Columns that look like row identifiers (never the target), each with the reason."""
        found: dict[str, str] = {}
        for name, profile in self.profiles.items():
            reason = None if name == self.target else id_reason(profile, self.frame[name])
            if reason is not None:
                found[name] = reason
        return found

    @cached_property
    def features(self) -> tuple[str, ...]:
        """Every column but the target."""
        return tuple(c for c in self.frame.columns if c != self.target)

    @cached_property
    def target_kind(self) -> TargetKind | None:
        if self.target is None:
            return None
        p = self.profiles[self.target]
        if p.kind is Kind.BOOLEAN or p.kind is Kind.STRING or p.n_distinct <= 2:
            return TargetKind.BINARY if p.n_distinct <= 2 else TargetKind.MULTICLASS
        if p.kind.numeric and p.n_distinct <= MAX_CLASSES and _whole(self.frame[self.target]):
            return TargetKind.MULTICLASS
        return TargetKind.REGRESSION if p.kind.numeric else None

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A value derived from this context, computed once and shared between checks."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])


def _sample(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    if frame.height <= SAMPLE_ROWS:
        return frame
    return frame.sample(n=SAMPLE_ROWS, seed=seed)


def _whole(series: pl.Series) -> bool:
    if series.dtype.is_integer():
        return True
    present = series.drop_nulls().cast(pl.Float64)
    return bool((present == present.round(0)).all())
