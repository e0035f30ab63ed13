"""Overfitting: how much better the model scores on its training rows than on held-out rows.

A model always fits the rows it was trained on a little better; boosted trees and forests
legitimately fit them much better, and the held-out score stays the honest estimate. So the
gap is judged against the room left for improvement, not in absolute terms:

    share = gap / distance from the held-out score to a perfect one

(perfect is 1 for AUC, accuracy, F1, R² and the like; 0 for log-loss, Brier, RMSE, MAE, MAPE).
For a loss this is 1 - train/held-out: a share of 0.5 means the training error is half the
held-out error. The model is flagged as overfitting when the share exceeds one half, and, for
scores on a 0-1 scale, the gap is also at least 0.02: near a perfect AUC the room is tiny and a
gap of 0.005 is noise, not memorisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelward.evaluation.bootstrap import point_score
from modelward.evaluation.numbers import json_float
from modelward.evaluation.performance import decision_threshold, fmt, metric_label
from modelward.training import Evidence, Metric, get_metric

MAX_SHARE = 0.5  # of the room to a perfect score that training may close before a flag
MIN_GAP = 0.02  # for 0-1 scores: smaller gaps are noise whatever the room
LOSSES = frozenset({"log_loss", "brier", "rmse", "mae", "mape"})  # perfect at 0, unbounded


@dataclass(frozen=True)
class OverfitCheck:
    """The primary metric on training rows (in-sample) and held out (out-of-fold).

    `gap` is positive when the training score is better, whichever way the metric points;
    `share` is the gap over the held-out score's distance to a perfect score.
    """

    metric: str
    rows: int
    train_score: float
    valid_score: float
    gap: float
    share: float
    overfitting: bool
    message: str

    def facts(self) -> dict[str, float]:
        """train_score, valid_score, overfit_gap, overfit_share, overfitting (1/0)."""
        facts = {
            "train_score": self.train_score,
            "valid_score": self.valid_score,
            "overfit_gap": self.gap,
            "overfit_share": self.share,
            "overfitting": 1.0 if self.overfitting else 0.0,
        }
        return {name: value for name, value in facts.items() if math.isfinite(value)}

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "rows": self.rows,
            "train_score": json_float(self.train_score, 6),
            "valid_score": json_float(self.valid_score, 6),
            "gap": json_float(self.gap, 6),
            "share": json_float(self.share, 4),
            "overfitting": self.overfitting,
            "message": self.message,
        }


def overfit_check(
    evidence: Evidence, metric: str, *, threshold: float | None = None
) -> OverfitCheck:
    """Compare the final model's in-sample score with its out-of-fold score on the same rows.

    `threshold` (binary; 0.5 when None) decides label metrics such as accuracy.
    """
    chosen = get_metric(metric, evidence.target.task, field="metric")
    threshold = decision_threshold(evidence.target.task, threshold)
    rows = _rows(evidence)
    y = evidence.y[rows]
    train = point_score(y, evidence.fitted[rows], chosen.name, threshold=threshold)
    valid = point_score(y, evidence.oof[rows], chosen.name, threshold=threshold)
    gap = chosen.loss(valid) - chosen.loss(train)
    room = abs(valid - (0.0 if chosen.name in LOSSES else 1.0))
    share = gap / room if room > 0 else 0.0  # a perfect held-out score leaves nothing to gain
    flagged = share > MAX_SHARE and (chosen.name in LOSSES or gap >= MIN_GAP)
    message = _message(chosen, train, valid, gap, share, flagged)
    return OverfitCheck(chosen.name, len(rows), train, valid, gap, share, flagged, message)


def _rows(evidence: Evidence) -> np.ndarray:
    """Scored rows with an in-sample prediction too, so both scores see the same rows."""
    missing = np.isnan(evidence.fitted[evidence.scored])
    return np.asarray(evidence.scored[~(missing if missing.ndim == 1 else missing.any(axis=1))])


def _message(
    metric: Metric, train: float, valid: float, gap: float, share: float, flagged: bool
) -> str:
    label = metric_label(metric.name)
    scores = f"{label} {fmt(train)} on training rows vs {fmt(valid)} on held-out rows"
    if not (math.isfinite(train) and math.isfinite(valid)):
        return f"{label} is undefined on these rows: the gap cannot be measured"
    if gap <= 0:
        return f"{scores}: no sign of overfitting"
    if flagged:
        return (
            f"{scores}: the model fits rows it has seen much better than new ones (gap "
            f"{fmt(gap)}, {share:.0%} of the way to a perfect score); trust the held-out score "
            "and consider a simpler or more regularised model"
        )
    return (
        f"{scores}: a gap of {fmt(gap)} ({share:.0%} of the way to a perfect score), "
        "within what a flexible model normally shows"
    )
