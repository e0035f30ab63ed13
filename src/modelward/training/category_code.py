"""Categories as output columns: integer codes (TREE) or one-hot columns (LINEAR).

Levels are ranked by training frequency, most frequent first, ties by value, so the same
training rows always give the same codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import polars as pl

from modelward.training.kinds import Style
from modelward.training.numeric_code import NAN, missing_flag

MAX_ONE_HOT = 50  # levels with their own column; rarer ones read as "none of these"
MIN_ONE_HOT_ROWS = 2  # a level seen once teaches a linear model nothing it can reuse


def ranked_levels(values: pl.Series) -> tuple[list[str], list[int]]:
    """Distinct present values as text and their counts, most frequent first, ties by value."""
    text = values.cast(pl.String).drop_nulls().rename("level")
    counts = text.value_counts(name="n").sort(["n", "level"], descending=[True, False])
    return counts["level"].to_list(), counts["n"].to_list()


def level_codes(expr: pl.Expr, levels: Sequence[str]) -> pl.Expr:
    """The index of each value in `levels` (unsigned); null for missing and unseen values."""
    # An Enum cast hashes each value once; strict=False turns values outside `levels` into null.
    return expr.cast(pl.String).cast(pl.Enum(list(levels)), strict=False).to_physical()


def level_index(levels: Sequence[str]) -> Mapping[str, int]:
    """`level_codes` as a lookup for one value: the exact text to its index."""
    return {level: i for i, level in enumerate(levels)}


@dataclass(frozen=True)
class OrdinalCode:
    """TREE: one column holding the level's code; NaN for missing and unseen values."""

    TYPE: ClassVar[str] = "ordinal"

    source: str
    levels: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.source,)

    def exprs(self) -> list[pl.Expr]:
        return [level_codes(pl.col(self.source), self.levels).cast(pl.Float64).fill_null(NAN)]

    @cached_property
    def index(self) -> Mapping[str, int]:
        return level_index(self.levels)

    def encode_value(self, value: str | None) -> tuple[float, ...]:
        """`exprs` for one conformed value (text or None)."""
        code = None if value is None else self.index.get(value)
        return (NAN if code is None else float(code),)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.TYPE, "source": self.source, "levels": list(self.levels)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrdinalCode:
        return cls(str(data["source"]), tuple(str(v) for v in data["levels"]))


@dataclass(frozen=True)
class OneHotCode:
    """LINEAR: a 0/1 column per kept level, plus `<col>=missing` when `flag` is set.

    Values outside the kept levels (rare, unseen) are all zeros.
    """

    TYPE: ClassVar[str] = "one_hot"

    source: str
    levels: tuple[str, ...]
    flag: bool

    @property
    def names(self) -> tuple[str, ...]:
        missing = (f"{self.source}=missing",) if self.flag else ()
        return (*(f"{self.source}={level}" for level in self.levels), *missing)

    def exprs(self) -> list[pl.Expr]:
        code = level_codes(pl.col(self.source), self.levels)
        # the lazy engine computes `code` once for all the level columns (common subexpression)
        hot = [pl.when(code == i).then(1.0).otherwise(0.0) for i in range(len(self.levels))]
        return hot + ([missing_flag(pl.col(self.source))] if self.flag else [])

    @cached_property
    def index(self) -> Mapping[str, int]:
        return level_index(self.levels)

    def encode_value(self, value: str | None) -> tuple[float, ...]:
        """`exprs` for one conformed value (text or None)."""
        hot = [0.0] * len(self.levels)
        code = None if value is None else self.index.get(value)
        if code is not None:
            hot[code] = 1.0
        if self.flag:
            hot.append(1.0 if value is None else 0.0)
        return tuple(hot)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.TYPE,
            "source": self.source,
            "levels": list(self.levels),
            "flag": self.flag,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OneHotCode:
        levels = tuple(str(v) for v in data["levels"])
        return cls(str(data["source"]), levels, bool(data["flag"]))


def fit_category(values: pl.Series, *, style: Style) -> OrdinalCode | OneHotCode:
    levels, counts = ranked_levels(values)
    if style is Style.TREE:
        return OrdinalCode(values.name, tuple(levels))
    kept = tuple(lv for lv, n in zip(levels, counts, strict=True) if n >= MIN_ONE_HOT_ROWS)
    return OneHotCode(values.name, kept[:MAX_ONE_HOT], flag=values.null_count() > 0)
