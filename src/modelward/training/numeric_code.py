"""Numbers and true/false values as output columns: one notion of missing, fill and scaling.

Missing means null, NaN or an infinity: no model family does anything useful with an infinite
input, and trees read NaN as "missing" natively.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from modelward.training.kinds import Style

NAN = float("nan")


def clean(expr: pl.Expr) -> pl.Expr:
    """`expr` as Float64 with every missing value (null, NaN, +-inf) turned to null."""
    value = expr.cast(pl.Float64)
    return pl.when(value.is_finite()).then(value)


def cleaned(values: pl.Series) -> pl.Series:
    return values.to_frame("v").select(clean(pl.col("v")))["v"]


def finite(value: float | None) -> float | None:
    """One value as `clean` reads it: a float, or None for null, NaN and +-inf."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def missing_flag(expr: pl.Expr) -> pl.Expr:
    """1.0 where the (cleaned) value is missing, else 0.0."""
    return expr.is_null().cast(pl.Float64)


@dataclass(frozen=True)
class Scaling:
    """Fill for missing values, then `(x - center) / scale`. The default keeps NaN as missing."""

    fill: float | None = None  # None: missing stays NaN
    center: float = 0.0
    scale: float = 1.0

    def apply(self, value: pl.Expr) -> pl.Expr:
        """Applied to a cleaned expression; gives Float64 with NaN only when `fill` is None."""
        if self.fill is None:
            return value.fill_null(NAN)
        value = value.fill_null(self.fill)
        if self.center == 0.0 and self.scale == 1.0:
            return value
        # A product with the reciprocal, never a division: polars divides a column by a scalar
        # as a product with its reciprocal but a one-row column as a plain division, one ulp
        # apart in about a third of values; a product gives the same bits for any row count,
        # and `apply_value` gives them too.
        return (value - self.center) * (1.0 / self.scale)

    def apply_value(self, value: float | None) -> float:
        """`apply` for one value (None = missing): the same float, bit for bit."""
        if self.fill is None:
            return NAN if value is None else value
        filled = self.fill if value is None else value
        if self.center == 0.0 and self.scale == 1.0:
            return filled
        return (filled - self.center) * (1.0 / self.scale)  # as `apply`, for the same bits

    @classmethod
    def standard(cls, values: pl.Series) -> Scaling:
        """Median fill, then mean 0 and standard deviation 1 over the present (cleaned) values."""
        present = values.drop_nulls()
        if present.is_empty():
            return cls(fill=0.0)
        median, mean, std = (_number(v) for v in (present.median(), present.mean(), present.std(0)))
        return cls(fill=median, center=mean, scale=std if std > 0.0 else 1.0)

    def to_json(self) -> dict[str, Any]:
        return {"fill": self.fill, "center": self.center, "scale": self.scale}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scaling:
        fill = data["fill"]
        return cls(
            None if fill is None else float(fill), float(data["center"]), float(data["scale"])
        )


def _number(value: object) -> float:
    number = float(value) if isinstance(value, int | float) else 0.0
    return number if math.isfinite(number) else 0.0


@dataclass(frozen=True)
class NumericCode:
    """A NUMERIC or BOOLEAN column: its value, plus `<col>=missing` when `flag` is set."""

    TYPE: ClassVar[str] = "numeric"

    source: str
    scaling: Scaling
    flag: bool

    @property
    def names(self) -> tuple[str, ...]:
        return (self.source, f"{self.source}=missing") if self.flag else (self.source,)

    def exprs(self) -> list[pl.Expr]:
        value = clean(pl.col(self.source))
        return [self.scaling.apply(value), *([missing_flag(value)] if self.flag else [])]

    def encode_value(self, value: float | None) -> tuple[float, ...]:
        """`exprs` for one conformed value (a float, bool or None)."""
        number = finite(value)
        encoded = self.scaling.apply_value(number)
        return (encoded, 1.0 if number is None else 0.0) if self.flag else (encoded,)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.TYPE,
            "source": self.source,
            "scaling": self.scaling.to_json(),
            "flag": self.flag,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NumericCode:
        return cls(str(data["source"]), Scaling.from_json(data["scaling"]), bool(data["flag"]))


def fit_numeric(values: pl.Series, *, style: Style, standardize: bool) -> NumericCode:
    """TREE: the value as it is. LINEAR: filled (median or 0), standardized when asked, flagged."""
    if style is Style.TREE:
        return NumericCode(values.name, Scaling(), flag=False)
    present = cleaned(values)
    scaling = Scaling.standard(present) if standardize else Scaling(fill=0.0)
    return NumericCode(values.name, scaling, flag=present.null_count() > 0)
