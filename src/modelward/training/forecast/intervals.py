"""Prediction intervals by split conformal prediction: one width per step ahead.

The widths are quantiles of absolute errors of multi-step forecasts made from many origins in
data the model was not fitted on, each error divided by its series' scale so that one set of
widths serves series of different sizes. With `n` errors per step the quantile is the
`ceil((n + 1) * level)`-th smallest (the finite-sample rule that gives at least `level`
coverage for exchangeable errors); when that rank exceeds `n` the largest error is used.
Widths never shrink with the step: a later step's is at least an earlier one's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_LEVEL = 0.8


@dataclass(frozen=True)
class Intervals:
    """Half-widths per step (in units of a series' scale) for a central `level` interval."""

    level: float
    widths: tuple[float, ...]
    errors: int  # calibration errors per step

    def half_widths(self, steps: np.ndarray, scales: np.ndarray) -> np.ndarray:
        """The half-width for each row's step (1-based) and series scale."""
        half: np.ndarray = np.asarray(self.widths)[steps - 1] * scales
        return half

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "widths": list(self.widths), "errors": self.errors}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Intervals:
        widths = tuple(float(w) for w in data["widths"])
        return cls(float(data["level"]), widths, int(data["errors"]))


def conformal(errors: np.ndarray, level: float) -> Intervals:
    """Intervals from absolute scaled errors, one row per origin and one column per step."""
    n = errors.shape[0]
    rank = min(math.ceil((n + 1) * level), n)
    quantiles = np.sort(errors, axis=0)[rank - 1]
    widths = np.maximum.accumulate(quantiles)
    return Intervals(level, tuple(float(w) for w in widths), n)
