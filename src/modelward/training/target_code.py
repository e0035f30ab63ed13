"""High-cardinality text as numbers: each level's frequency and its smoothed target mean.

A level's target mean computed on rows that include the row itself leaks that row's label (a
level seen once gives its own label back). So for the training rows the mean is cross-fitted:
rows are split into inner folds and each row gets the mean of the *other* folds' rows. New rows
get the mean over all training rows. Missing values are one more level; unseen levels get the
prior (the overall mean) and a frequency of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import polars as pl

from modelward.training.category_code import ranked_levels
from modelward.training.kinds import Style
from modelward.training.numeric_code import Scaling

INNER_FOLDS = 5
SMOOTHING = 10.0  # pseudo-rows of the prior in every level's mean: rare levels stay near it


@dataclass(frozen=True)
class LevelMap:
    """A value per level, one for missing values and one for levels never seen."""

    levels: tuple[str, ...]
    values: tuple[float, ...]
    missing: float
    unseen: float

    def expr(self, source: str) -> pl.Expr:
        column = pl.col(source).cast(pl.String)
        known = column.replace_strict(
            list(self.levels), list(self.values), default=self.unseen, return_dtype=pl.Float64
        )
        return pl.when(column.is_null()).then(self.missing).otherwise(known)

    @cached_property
    def lookup(self) -> Mapping[str, float]:
        return dict(zip(self.levels, self.values, strict=True))

    def value(self, text: str | None) -> float:
        """`expr` for one value (text or None)."""
        return self.missing if text is None else self.lookup.get(text, self.unseen)

    def to_json(self) -> dict[str, Any]:
        return {"values": list(self.values), "missing": self.missing, "unseen": self.unseen}

    @classmethod
    def from_json(cls, levels: tuple[str, ...], data: dict[str, Any]) -> LevelMap:
        values = tuple(float(v) for v in data["values"])
        return cls(levels, values, float(data["missing"]), float(data["unseen"]))


@dataclass(frozen=True)
class TargetCode:
    """`<col>.frequency` and, when a target mean is kept, `<col>.target_mean`; scaled for LINEAR."""

    TYPE: ClassVar[str] = "target"

    source: str
    maps: tuple[LevelMap, ...]  # frequency, then target mean (absent for multiclass)
    scalings: tuple[Scaling, ...]  # one per map; identity for TREE

    @property
    def names(self) -> tuple[str, ...]:
        return (f"{self.source}.frequency", f"{self.source}.target_mean")[: len(self.maps)]

    def exprs(self) -> list[pl.Expr]:
        return [s.apply(m.expr(self.source)) for m, s in zip(self.maps, self.scalings, strict=True)]

    def encode_value(self, value: str | None) -> tuple[float, ...]:
        """`exprs` for one conformed value (text or None)."""
        pairs = zip(self.maps, self.scalings, strict=True)
        return tuple(s.apply_value(m.value(value)) for m, s in pairs)

    def to_json(self) -> dict[str, Any]:
        levels = self.maps[0].levels
        return {
            "type": self.TYPE,
            "source": self.source,
            "levels": list(levels),
            "maps": [m.to_json() for m in self.maps],
            "scalings": [s.to_json() for s in self.scalings],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetCode:
        levels = tuple(str(v) for v in data["levels"])
        maps = tuple(LevelMap.from_json(levels, m) for m in data["maps"])
        return cls(str(data["source"]), maps, tuple(Scaling.from_json(s) for s in data["scalings"]))


def fit_target(
    values: pl.Series, target: np.ndarray | None, *, style: Style, seed: int
) -> tuple[TargetCode, np.ndarray]:
    """The code, and the training rows' block (cross-fitted target mean, scaled like the code).

    `target` is the number to average per level (1.0/0.0 for the positive class, or the value);
    None keeps the frequency only.
    """
    levels, counts = ranked_levels(values)
    n = max(len(values), 1)
    frequency = LevelMap(
        tuple(levels), tuple(c / n for c in counts), values.null_count() / n, unseen=0.0
    )
    maps = [frequency]
    block = [values.to_frame("v").select(frequency.expr("v").alias("v"))["v"].to_numpy()]
    if target is not None:
        maps.append(_mean_map(values, target, tuple(levels)))
        block.append(_cross_fitted(values, target, seed))
    raw = np.column_stack(block).astype(np.float64)
    scalings = tuple(_scaling(raw[:, j], style) for j in range(raw.shape[1]))
    centers = np.array([s.center for s in scalings])
    scaled = (raw - centers) / np.array([s.scale for s in scalings])
    return TargetCode(values.name, tuple(maps), scalings), scaled


def _mean_map(values: pl.Series, target: np.ndarray, levels: tuple[str, ...]) -> LevelMap:
    prior = float(target.mean()) if len(target) else 0.0
    stats = (
        pl.DataFrame({"level": values.cast(pl.String), "t": target})
        .group_by("level")
        .agg(pl.col("t").sum().alias("sum"), pl.len().alias("n"))
        .with_columns(((pl.col("sum") + SMOOTHING * prior) / (pl.col("n") + SMOOTHING)).alias("m"))
    )
    by_level = dict(zip(stats["level"].to_list(), stats["m"].to_list(), strict=True))
    means = tuple(float(by_level[level]) for level in levels)
    return LevelMap(levels, means, float(by_level.get(None, prior)), unseen=prior)


def _cross_fitted(values: pl.Series, target: np.ndarray, seed: int) -> np.ndarray:
    """Each row's smoothed level mean over the rows of the other inner folds only."""
    n = max(len(target), 1)
    folds = np.random.default_rng(seed).permutation(len(target)) % INNER_FOLDS
    frame = pl.DataFrame({"level": values.cast(pl.String), "fold": folds, "t": target})
    total, t = float(target.sum()), pl.col("t")
    out_sum = t.sum().over("level") - t.sum().over(["level", "fold"])
    out_n = pl.len().over("level") - pl.len().over(["level", "fold"])
    rest_n = n - pl.len().over("fold")
    # the prior of the other folds, so that not even the overall mean holds the row's label
    prior = pl.when(rest_n > 0).then((total - t.sum().over("fold")) / rest_n).otherwise(total / n)
    mean = (out_sum + SMOOTHING * prior) / (out_n + SMOOTHING)
    return frame.select(mean.cast(pl.Float64).alias("m"))["m"].to_numpy()


def _scaling(column: np.ndarray, style: Style) -> Scaling:
    if style is Style.TREE or len(column) == 0:
        return Scaling(fill=0.0)
    std = float(column.std())
    return Scaling(fill=0.0, center=float(column.mean()), scale=std if std > 0.0 else 1.0)
