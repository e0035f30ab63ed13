"""Is machine learning worth it here? The model against simple baselines, on the same rows.

Each baseline (the prior or mean, a one-feature rule, a linear model) was validated on the same
folds as the model, so their out-of-fold scores compare like with like. The model's gain over
the best baseline gets a paired bootstrap interval (the same resamples for both), and the
verdict rests on that interval, not on the point gain: a gain whose interval reaches 0 is not
evidence that the model is better than a rule anyone could write down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from modelward.evaluation.bootstrap import Interval, difference_ci, point_score
from modelward.evaluation.numbers import json_float
from modelward.evaluation.performance import decision_threshold, fmt, metric_label
from modelward.training import Evidence, Metric, get_metric


@dataclass(frozen=True)
class BaselineComparison:
    """The model's and each baseline's score on shared rows, and the gain over the best.

    `gain` is positive when the model is better, whichever way the metric points; `interval`
    is the gain's paired bootstrap CI (None when there is no baseline).
    """

    metric: str
    rows: int
    model_score: float
    scores: Mapping[str, float]
    best: str | None
    gain: float | None
    interval: Interval | None
    verdict: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def beats_baseline(self) -> bool | None:
        """Whether the gain's interval lies above 0; None without a baseline."""
        if self.interval is None or self.interval.low is None:
            return None
        return self.gain is not None and self.interval.low > 0

    def facts(self) -> dict[str, float]:
        """beats_baseline_metric, baseline_gain (+ CI), best_baseline_score; empty without
        baselines. The report sets `beats_baseline` from it when no value model prices decisions."""
        if self.best is None or self.gain is None or self.interval is None:
            return {}
        facts = {"baseline_gain": self.gain, "best_baseline_score": self.scores[self.best]}
        if self.interval.low is not None and self.interval.high is not None:
            facts["beats_baseline_metric"] = 1.0 if self.beats_baseline else 0.0
            facts["baseline_gain_ci_low"] = self.interval.low
            facts["baseline_gain_ci_high"] = self.interval.high
        return facts

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "rows": self.rows,
            "model_score": json_float(self.model_score, 6),
            "baselines": {name: json_float(score, 6) for name, score in self.scores.items()},
            "best": self.best,
            "gain": json_float(self.gain, 6),
            "interval": self.interval.to_json() if self.interval else None,
            "beats_baseline": self.beats_baseline,
            "verdict": self.verdict,
            "notes": list(self.notes),
        }


def compare_baselines(
    evidence: Evidence,
    metric: str,
    *,
    threshold: float | None = None,
    rounds: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> BaselineComparison:
    """Score the model and every baseline on the rows all of them predicted; judge the gain.

    `threshold` (binary; 0.5 when None) decides label metrics such as accuracy, for the model
    and the baselines alike.
    """
    chosen = get_metric(metric, evidence.target.task, field="metric")
    threshold = decision_threshold(evidence.target.task, threshold)
    rows = evidence.shared
    y, k = evidence.y[rows], evidence.target.n_classes
    model = point_score(y, evidence.oof[rows], chosen.name, threshold=threshold)
    scores, notes = _baseline_scores(evidence, chosen.name, rows, threshold)
    if not scores:
        verdict = "no baseline was trained: whether machine learning beats a simple rule is unknown"
        return BaselineComparison(
            chosen.name, len(rows), model, {}, None, None, None, verdict, notes
        )
    best = min(scores, key=lambda name: chosen.loss(scores[name]))
    pair = (evidence.oof[rows], evidence.baselines[best][rows])
    diff = difference_ci(
        y, *pair, chosen, n_classes=k, rounds=rounds, seed=seed, level=level, threshold=threshold
    )
    gain = _towards_better(diff, chosen)
    verdict = _verdict(chosen, best, model, scores[best], gain)
    return BaselineComparison(
        chosen.name, len(rows), model, scores, best, gain.estimate, gain, verdict, notes
    )


def _baseline_scores(
    evidence: Evidence, metric: str, rows: np.ndarray, threshold: float | None
) -> tuple[dict[str, float], tuple[str, ...]]:
    y = evidence.y[rows]
    scores: dict[str, float] = {}
    notes: list[str] = []
    for name, pred in evidence.baselines.items():
        score = point_score(y, pred[rows], metric, threshold=threshold)
        if math.isfinite(score):
            scores[name] = score
        else:
            notes.append(
                f"baseline {name} not compared: {metric_label(metric)} undefined on its rows"
            )
    return scores, tuple(notes)


def _towards_better(diff: Interval, metric: Metric) -> Interval:
    """model minus baseline, turned so that a positive gain always means the model is better."""
    if metric.greater_is_better:
        return diff
    low = None if diff.high is None else -diff.high
    high = None if diff.low is None else -diff.low
    return replace(diff, estimate=-diff.estimate, low=low, high=high)


def _verdict(metric: Metric, best: str, model: float, baseline: float, gain: Interval) -> str:
    label = metric_label(metric.name)
    if gain.low is None or gain.high is None:
        return f"the gain over {best} could not be bounded: {label} is undefined on resamples"
    ci = f"{round(gain.level * 100)}% CI {fmt(gain.low)} to {fmt(gain.high)}"
    if gain.low > 0:
        return f"beats the best simple baseline ({best}) by {fmt(gain.estimate)} {label} ({ci})"
    scores = f"{best}: {label} {fmt(baseline)} vs the model's {fmt(model)}; gain {ci}"
    advice = "consider not using machine learning here"
    if gain.high < 0:
        return f"the best simple baseline does better than the model ({scores}): {advice}"
    return f"a simple rule does about as well ({scores}): {advice}"
