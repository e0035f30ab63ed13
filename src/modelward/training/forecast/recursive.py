"""Training rows, step-by-step forecasts, and the origins that calibrate intervals.

Targets are divided by their series' scale (its mean absolute value) before anything else, so
one model learns the shape of many series of different sizes; predictions are multiplied back.

A training row is a period with the `span` periods before it. The last part of every series
(`holdout`) is held out, in time order: the model fitted without it stops boosting where its
one-step error there is lowest, and forecasts from origins inside it, step by step as in
production, give the multi-step errors the intervals are calibrated on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from modelward.training.forecast.features import FeatureSet
from modelward.training.forecast.series import Series

Predict = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Table:
    """Training rows: features, scaled targets, and which rows are held out."""

    matrix: np.ndarray
    target: np.ndarray
    holdout: np.ndarray


@dataclass(frozen=True)
class Origins:
    """Multi-step forecasts to make: starting windows, known features per step, actuals."""

    start: np.ndarray  # (n, span) scaled values before each origin
    known: np.ndarray  # (n, steps, features)
    actual: np.ndarray  # (n, steps) scaled


def scales_of(series: Series) -> np.ndarray:
    """Each series' mean absolute value (1 where that is 0)."""
    means = np.add.reduceat(np.abs(series.y), series.bounds[:-1]) / np.diff(series.bounds)
    return np.where(means > 0, means, 1.0)


def holdout_sizes(series: Series, share: float) -> np.ndarray:
    """Held-out periods per series: `share` of its rows, at least a horizon, and at most all
    but a horizon (a checked series has a span and two horizons of periods)."""
    horizon, span = series.spec.horizon, series.frequency.span
    rows = np.diff(series.bounds) - span
    return np.clip(np.round(share * rows).astype(np.int64), horizon, rows - horizon)


def build_table(
    series: Series, features: FeatureSet, known: np.ndarray, scaled: np.ndarray, held: np.ndarray
) -> Table:
    """Every period with `span` periods before it, from series scaled by `scales_of`."""
    span = features.span
    windows, index, holdout = [], [], []
    for g in range(len(series.keys)):
        rows = series.rows(g)
        values = scaled[rows]
        windows.append(sliding_window_view(values, span)[:-1])
        positions = np.arange(span, values.size)
        index.append(rows.start + positions)
        holdout.append(positions >= values.size - held[g])
    at = np.concatenate(index)
    matrix = np.hstack([features.history(np.concatenate(windows)), known[at]])
    return Table(matrix, scaled[at], np.concatenate(holdout))


def calibration_origins(
    series: Series,
    known: np.ndarray,
    scaled: np.ndarray,
    held: np.ndarray,
    *,
    most: int,
) -> Origins:
    """Origins inside each series' held-out part, at most `most` per series, evenly spread."""
    span, horizon = series.frequency.span, series.spec.horizon
    starts, rows_known, actual = [], [], []
    steps = np.arange(horizon)
    for g in range(len(series.keys)):
        rows = series.rows(g)
        size = rows.stop - rows.start
        first, last = size - int(held[g]), size - horizon
        for origin in np.unique(np.linspace(first, last, num=most).round().astype(np.int64)):
            at = rows.start + origin
            starts.append(scaled[at - span : at])
            rows_known.append(at + steps)
            actual.append(scaled[at + steps])
    index = np.stack(rows_known)
    return Origins(np.stack(starts), known[index], np.stack(actual))


def recurse(
    predict: Predict, features: FeatureSet, start: np.ndarray, known: np.ndarray
) -> np.ndarray:
    """Forecasts (n, steps): each step's lags read the predictions of the steps before it."""
    n, steps = known.shape[:2]
    span = start.shape[1]
    buffer = np.empty((n, span + steps))
    buffer[:, :span] = start
    for h in range(steps):
        matrix = np.hstack([features.history(buffer[:, h : h + span]), known[:, h]])
        buffer[:, span + h] = predict(matrix)
    return buffer[:, span:]
