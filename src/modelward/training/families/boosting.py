"""What the boosted families share: how many rounds, when to stop, how to weight classes."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from modelward.spec import Task
from modelward.training.families.base import FitData, FitOptions
from modelward.training.families.matrices import balanced_weights

PATIENCE = 50  # rounds without improvement on the early-stopping rows before stopping
MAX_ROUNDS = 2000  # the searched upper bound; early stopping finds the real count


@dataclass(frozen=True)
class Rounds:
    """At most `total` rounds; `early_stopping` on `FitData.X_valid` when it is True."""

    total: int
    early_stopping: bool


def leaf_size(n_rows: int) -> int:
    """A default minimum leaf size: 20 rows, less on small data (iris needs small leaves)."""
    return int(min(20, max(2, n_rows // 100)))


def plan_rounds(n_estimators: int, data: FitData, options: FitOptions) -> Rounds:
    """A fixed `options.rounds` wins and turns early stopping off (the refit's case)."""
    if options.rounds is not None:
        return Rounds(options.rounds, early_stopping=False)
    return Rounds(int(n_estimators), early_stopping=data.X_valid is not None)


def past(deadline: float | None) -> bool:
    return deadline is not None and time.time() >= deadline


def class_weights(data: FitData, *, balanced: bool) -> np.ndarray | None:
    """The rows' weights: the caller's, times equal class totals when `balanced`."""
    if balanced and data.task is not Task.REGRESSION:
        return balanced_weights(data.y, data.n_classes, data.sample_weight)
    return data.sample_weight
