"""Robustness: do the model's decisions survive small, plausible changes to its inputs?

A sample of rows is scored twice, as it is and perturbed, and we count the decisions that change
(the "flip rate"). Perturbations stay inside what the data already shows, so that the frame still
passes the model's input schema (`perturb_frame`). Each column is then perturbed alone to find
the features the decisions are most sensitive to. A column's own flip rate is over the whole
sample, so a category column (only a `scale` share of its rows swapped) can flip at most that
share of decisions, while a numeric column moves on every row: compare columns of a kind.

A decision changes when:
- binary: the positive-class probability crosses the decision threshold;
- multiclass: the most probable class changes;
- regression: the prediction crosses `threshold` if one is given, else moves by more than 10%
  of its own size, that size floored at the predictions' standard deviation so that values near
  zero do not count every tiny wobble as a change.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.evaluation.numbers import json_sig
from modelward.spec import Task

Predict = Callable[[pl.DataFrame], np.ndarray]
RELATIVE_CHANGE = 0.10
TOP_FEATURES = 5
# Rows per predict call: all variants go in as few calls as possible, without huge frames.
BATCH_ROWS = 50_000


@dataclass(frozen=True)
class FeatureSensitivity:
    """How the decisions move when only `column` is perturbed."""

    column: str
    flip_rate: float
    mean_change: float

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "flip_rate": round(self.flip_rate, 4),
            "mean_change": json_sig(self.mean_change),
        }


@dataclass(frozen=True)
class Robustness:
    """Flip rate of the model's decisions under small input perturbations.

    `mean_change` is the mean absolute change of the positive-class probability (binary), of
    the originally most probable class's probability (multiclass), or of the value (regression).
    `features` holds every perturbed column, most sensitive first; `unperturbed` the input
    columns of a kind we do not perturb (dates, nested values).
    """

    task: Task
    flip_rate: float
    mean_change: float
    rows: int
    scale: float
    seed: int
    threshold: float | None
    features: tuple[FeatureSensitivity, ...]
    unperturbed: tuple[str, ...] = ()

    @property
    def most_sensitive(self) -> tuple[FeatureSensitivity, ...]:
        """Up to five columns whose perturbation moves the predictions at all."""
        moving = [f for f in self.features if f.flip_rate > 0 or f.mean_change > 0]
        return tuple(moving[:TOP_FEATURES])

    @property
    def message(self) -> str:
        if self.task is Task.REGRESSION:
            what, change = "value", f"{json_sig(self.mean_change)}"
        else:
            what, change = "probability", f"{self.mean_change:.3f}"
        top = ", ".join(f"{f.column} ({f.flip_rate:.1%})" for f in self.most_sensitive)
        return (
            f"small input changes (numbers moved by {self.scale:.0%} of their spread, "
            f"{self.scale:.0%} of category values swapped) change the decision for "
            f"{self.flip_rate:.1%} of {self.rows:,} rows (mean change of the predicted {what} "
            f"{change}); "
            + (f"most sensitive: {top}" if top else "no single feature moves the predictions")
        )

    def facts(self) -> dict[str, float]:
        return {"flip_rate": self.flip_rate, "mean_prediction_change": self.mean_change}

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task.value,
            "flip_rate": round(self.flip_rate, 4),
            "mean_prediction_change": json_sig(self.mean_change),
            "rows": self.rows,
            "scale": self.scale,
            "seed": self.seed,
            "threshold": self.threshold,
            "most_sensitive": [f.to_json() for f in self.most_sensitive],
            "unperturbed": list(self.unperturbed),
            "message": self.message,
        }


def flip_rate(
    predict: Predict,
    frame: pl.DataFrame,
    *,
    columns: Sequence[str],
    task: Task,
    threshold: float | None = None,
    seed: int = 0,
    rows: int = 1000,
    scale: float = 0.05,
) -> Robustness:
    """Share of decisions that change when a sample of rows is slightly perturbed.

    `predict` scores raw rows like `Predictor.predict_array`: (n, K) probabilities or (n,)
    values. Only `columns` (the model's input columns) are perturbed. `threshold` is the
    binary decision threshold on the positive-class probability (0.5 if not given), or an
    optional decision threshold on a regression value; multiclass ignores it.
    """
    _check(frame, columns, task=task, threshold=threshold, rows=rows, scale=scale)
    if task is Task.BINARY and threshold is None:
        threshold = 0.5
    elif task is Task.MULTICLASS:
        threshold = None  # the top class decides; a threshold would be misread in the report
    sample = _sample(frame, rows, seed)
    perturbed = perturb_frame(sample, columns, scale=scale, seed=seed, reference=frame)
    moved = [c for c in columns if _perturbable(frame[c])]
    singles = [sample.with_columns(perturbed[c]) for c in moved]
    base, together, *alone = _predict_all(predict, [sample, perturbed, *singles])
    flips, change = _compare(base, together, task, threshold)
    features = [
        FeatureSensitivity(c, *_compare(base, pred, task, threshold))
        for c, pred in zip(moved, alone, strict=True)
    ]
    features.sort(key=lambda f: (-f.flip_rate, -f.mean_change, f.column))
    return Robustness(
        task=task,
        flip_rate=flips,
        mean_change=change,
        rows=sample.height,
        scale=scale,
        seed=seed,
        threshold=threshold,
        features=tuple(features),
        unperturbed=tuple(c for c in columns if c not in moved),
    )


def _check(
    frame: pl.DataFrame,
    columns: Sequence[str],
    *,
    task: Task,
    threshold: float | None,
    rows: int,
    scale: float,
) -> None:
    if task not in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION):
        raise InputError.field("task", task.value, "binary, multiclass or regression")
    if task is Task.BINARY and threshold is not None and not 0.0 < threshold < 1.0:
        raise InputError.field("threshold", threshold, "a probability between 0 and 1")
    if rows < 1:
        raise InputError.field("rows", rows, "at least 1 row to perturb")
    if not 0.0 < scale <= 1.0:
        raise InputError.field("scale", scale, "a share > 0 and <= 1, such as 0.05")
    if frame.height == 0:
        raise InputError.field("frame", "0 rows", "rows to perturb")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError.field("columns", missing, "columns of the frame (the model's inputs)")


def perturb_frame(
    frame: pl.DataFrame,
    columns: Sequence[str],
    *,
    scale: float = 0.05,
    seed: int = 0,
    reference: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`frame` with `columns` slightly perturbed; same columns, dtypes and null positions.

    Numbers get Gaussian noise with sd = `scale` x the column's standard deviation, clipped to
    its observed range (integers rounded back); text, categorical and boolean columns, and
    numeric 0/1-style flags (two values, which noise would never move), have a `scale` share
    of rows swapped to another observed level. `reference` (default: `frame`) supplies the
    spread, range and levels. Each column's noise depends only on `seed` and its name, so a
    column perturbed alone changes exactly as it does among others. Dates are left as they are.
    """
    reference = frame if reference is None else reference
    changed = []
    for name in columns:
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        if _is_discrete(reference[name]):
            changed.append(_swap_levels(frame[name], reference[name], rng, scale))
        elif reference[name].dtype.is_numeric():
            changed.append(_add_noise(frame[name], reference[name], rng, scale))
    return frame.with_columns(changed)


def _perturbable(values: pl.Series) -> bool:
    """Whether `perturb_frame` changes a column of this kind (numbers, text, categories)."""
    return values.dtype.is_numeric() or _is_discrete(values)


def _is_discrete(values: pl.Series) -> bool:
    if values.dtype in (pl.String, pl.Categorical, pl.Boolean) or isinstance(values.dtype, pl.Enum):
        return True
    return values.dtype.is_numeric() and values.drop_nulls().n_unique() == 2


def _add_noise(
    values: pl.Series, reference: pl.Series, rng: np.random.Generator, scale: float
) -> pl.Series:
    known = reference.cast(pl.Float64).to_numpy()
    known = known[np.isfinite(known)]
    x = values.cast(pl.Float64).to_numpy()  # nulls read as NaN; they are put back below
    noise = rng.normal(0.0, 1.0, len(x))
    if known.size == 0:
        return values
    moved = np.clip(x + noise * scale * known.std(), known.min(), known.max())
    if values.dtype.is_integer():
        moved = np.round(moved)
    # NaN and infinities stay as they were: there is no spread to move them by.
    moved = np.where(np.isfinite(x), moved, x)
    out = pl.Series(values.name, moved, dtype=pl.Float64)
    return out.scatter(values.is_null().arg_true(), None).cast(values.dtype)


def _swap_levels(
    values: pl.Series, reference: pl.Series, rng: np.random.Generator, scale: float
) -> pl.Series:
    levels = reference.drop_nulls().unique().sort()
    codes = values.replace_strict(levels, range(levels.len()), default=-1, return_dtype=pl.Int64)
    codes_np = codes.to_numpy()
    swap = (rng.random(len(codes_np)) < scale) & (codes_np >= 0)
    if levels.len() < 2 or not swap.any():
        return values
    # A nonzero offset modulo the level count is a uniform draw among the *other* levels.
    shifted = (codes_np + rng.integers(1, levels.len(), len(codes_np))) % levels.len()
    others = levels.gather(shifted).cast(values.dtype)
    return values.zip_with(pl.Series(~swap), others).alias(values.name)


def _sample(frame: pl.DataFrame, rows: int, seed: int) -> pl.DataFrame:
    """At most `rows` rows, drawn without replacement, in their original order."""
    if frame.height <= rows:
        return frame
    picked = np.random.default_rng(seed).choice(frame.height, size=rows, replace=False)
    return frame.select(pl.all().gather(np.sort(picked)))


def _predict_all(predict: Predict, frames: list[pl.DataFrame]) -> list[np.ndarray]:
    """Score every variant of the sample, batching them into few calls (one call is costly)."""
    preds: list[np.ndarray] = []
    per_call = max(1, BATCH_ROWS // frames[0].height)
    for start in range(0, len(frames), per_call):
        batch = frames[start : start + per_call]
        scored = np.asarray(predict(pl.concat(batch, how="vertical")), dtype=np.float64)
        if len(scored) != sum(f.height for f in batch):
            raise ValueError(f"predict returned {len(scored)} rows for {len(batch)} frames")
        preds.extend(np.split(scored, np.cumsum([f.height for f in batch])[:-1]))
    return preds


def _compare(
    base: np.ndarray, moved: np.ndarray, task: Task, threshold: float | None
) -> tuple[float, float]:
    """Flip rate and mean absolute change between two predictions of the same rows."""
    if task is Task.BINARY:
        assert threshold is not None
        before, after = base[:, 1], moved[:, 1]
        flips = (before >= threshold) != (after >= threshold)
    elif task is Task.MULTICLASS:
        chosen = base.argmax(axis=1)
        rows = np.arange(len(base))
        before, after = base[rows, chosen], moved[rows, chosen]
        flips = moved.argmax(axis=1) != chosen
    else:
        before, after = base, moved
        flips = _value_flips(before, after, threshold)
    return float(np.mean(flips)), float(np.mean(np.abs(after - before)))


def _value_flips(before: np.ndarray, after: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is not None:
        return np.asarray((before >= threshold) != (after >= threshold))
    size = np.maximum(np.abs(before), np.std(before))
    return np.asarray(np.abs(after - before) > RELATIVE_CHANGE * size)
