"""The forgetting guard: what a challenger gained on new data, and what it lost on old.

Both models are scored with the project's primary metric on rows neither trained on: the
latest share of the new data (recent) and a held-out part of the memory set (older data, the
original distribution). The challenger passes when it loses at most the spec's
`monitoring.forgetting_bound` on the older rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.training import Metric, Scorer


@dataclass(frozen=True)
class Scores:
    rows: int
    champion: float
    challenger: float

    def change(self, metric: Metric) -> float:
        """How much better the challenger is (positive: better), in the metric's units."""
        delta = self.challenger - self.champion
        return delta if metric.greater_is_better else -delta

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "champion": self.champion, "challenger": self.challenger}


@dataclass(frozen=True)
class ForgettingReport:
    metric: str
    greater_is_better: bool
    recent: Scores
    older: Scores
    bound: float
    gain: float  # on recent rows, positive = better
    loss: float  # on older rows, positive = worse
    passed: bool
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "greater_is_better": self.greater_is_better,
            "recent": self.recent.to_json(),
            "older": self.older.to_json(),
            "bound": self.bound,
            "gain": self.gain,
            "loss": self.loss,
            "passed": self.passed,
            "sentence": self.sentence,
        }


def guard(
    metric: Metric,
    champion: Scorer,
    challenger: Scorer,
    *,
    recent: pl.DataFrame,
    older: pl.DataFrame,
    bound: float,
) -> ForgettingReport:
    on_recent = Scores(recent.height, *_both(metric, champion, challenger, recent))
    on_older = Scores(older.height, *_both(metric, champion, challenger, older))
    gain, loss = on_recent.change(metric), -on_older.change(metric)
    passed = loss <= bound
    sentence = (
        f"on {recent.height} recent rows the challenger's {metric.name} is "
        f"{on_recent.challenger:.3f} vs the champion's {on_recent.champion:.3f} "
        f"({'+' if gain >= 0 else ''}{gain:.3f}); on {older.height} older rows it "
        + (
            f"loses {loss:.3f} ({'within' if passed else 'beyond'} the bound of {bound:g})"
            if loss > 0
            else f"loses nothing ({-loss:+.3f})"
        )
    )
    return ForgettingReport(
        metric.name,
        metric.greater_is_better,
        on_recent,
        on_older,
        bound,
        gain,
        loss,
        passed,
        sentence,
    )


def _both(
    metric: Metric, champion: Scorer, challenger: Scorer, rows: pl.DataFrame
) -> tuple[float, float]:
    target = challenger.target
    y = target.encode(rows[target.column])
    features = rows.drop(target.column)
    return (
        _score(metric, champion, features, y),
        _score(metric, challenger, features, y),
    )


def _score(metric: Metric, model: Scorer, features: pl.DataFrame, y: np.ndarray) -> float:
    predictions = model.predict_array(features, ignore_extra=True)
    return metric.score(y, predictions, model.target.n_classes)
