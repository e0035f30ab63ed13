"""Bootstrap confidence intervals for a metric, fast enough to run on every evaluation.

A bootstrap resample of n rows is a vector of counts (how often each row was drawn), so every
metric here is computed under such weights, for many resamples at once as matrix operations,
instead of materialising each resample and calling sklearn on it:

- ROC-AUC sorts the rows by score once; the weighted AUC of a resample is then a cumulative sum
  of negative weights over the sorted scores (ties count half): O(n) per resample.
- Average precision likewise, from cumulative weights of positives and negatives.
- Log-loss, Brier, accuracy, RMSE, MAE and MAPE are weighted means of a per-row loss; R²,
  precision, recall, F1 and balanced accuracy are ratios of weighted sums.

A metric without such a form (a custom `Metric`) falls back to a loop over resamples, with the
rounds capped by the number of rows so that it stays near two seconds; the result says so.
Intervals are percentile intervals; the same seed gives the same resamples, so a paired
difference uses identical resamples for both predictions.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelward.errors import InputError
from modelward.evaluation.numbers import json_float
from modelward.training import METRICS, Metric

Kernel = Callable[[np.ndarray], np.ndarray]  # weights (r, n) -> one score per row of weights
CHUNK_CELLS = 2_000_000  # weights per chunk of resamples: about 16 MB of float64
LOOP_ROWS = 2_000_000  # rows scored in all by a fallback loop, ~2 s of sklearn calls
MIN_LOOP_ROUNDS = 50
LOG_FLOOR = 1e-15  # the clip the training metric applies before sklearn's log-loss


def _brier(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(np.mean(_brier_rows(y, p)))


BRIER = Metric("brier", False, _brier)


@dataclass(frozen=True)
class Interval:
    """A metric's point estimate on all rows and its bootstrap percentile interval.

    `low`/`high` are None when no resample gave a defined value. `rounds` counts the resamples
    the interval rests on; `method` is "weighted" (exact, vectorised) or "loop" (sklearn calls).
    """

    metric: str
    estimate: float
    low: float | None
    high: float | None
    level: float
    rounds: int
    method: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "estimate": json_float(self.estimate, 6),
            "low": json_float(self.low, 6),
            "high": json_float(self.high, 6),
            "level": self.level,
            "rounds": self.rounds,
            "method": self.method,
            "note": self.note,
        }


@dataclass(frozen=True)
class _Plan:
    rounds: int
    seed: int
    level: float


def metric_ci(
    y: np.ndarray,
    pred: np.ndarray,
    metric: str | Metric,
    *,
    n_classes: int,
    rounds: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    threshold: float | None = None,
) -> Interval:
    """The metric of `pred` against `y` with a bootstrap percentile interval.

    `threshold` (binary only) turns probabilities into labels for accuracy, precision, recall
    and F1: positive when p1 >= threshold; None means the most probable class.
    """
    return _bootstrap(y, [pred], metric, n_classes, _Plan(rounds, seed, level), threshold)


def difference_ci(
    y: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    metric: str | Metric,
    *,
    n_classes: int,
    rounds: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    threshold: float | None = None,
) -> Interval:
    """metric(a) - metric(b) on the same rows, with a paired bootstrap interval.

    Both predictions are scored on identical resamples, so the interval reflects the
    difference itself, not the two metrics' separate noise.
    """
    return _bootstrap(y, [pred_a, pred_b], metric, n_classes, _Plan(rounds, seed, level), threshold)


def mean_ci(
    values: np.ndarray,
    *,
    name: str = "mean",
    rounds: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """The mean of per-row `values` (money per decision, a paired difference of it) with a
    bootstrap percentile interval over the rows."""
    values = np.asarray(values, dtype=np.float64)
    plan = _Plan(rounds, seed, level)
    _check(values, [], plan)
    return _weighted(name, _mean_kernel(values), len(values), plan)


def weighted_scores(
    y: np.ndarray,
    pred: np.ndarray,
    metric: str,
    weights: np.ndarray,
    *,
    threshold: float | None = None,
) -> np.ndarray:
    """The metric under each row of `weights` (r, n): one score per row, NaN where undefined.

    Unit weights give the plain metric; 0/1 weights give the metric on a subset of rows.
    """
    kernel = _kernel(_resolve(metric), y, pred, threshold)
    if kernel is None:
        raise InputError.field("metric", metric, "a metric with a weighted form")
    return kernel(np.atleast_2d(np.asarray(weights, dtype=np.float64)))


def point_score(
    y: np.ndarray, pred: np.ndarray, metric: str, *, threshold: float | None = None
) -> float:
    """The metric on all rows, computed exactly as the intervals compute it (NaN if undefined)."""
    return float(weighted_scores(y, pred, metric, np.ones((1, len(y))), threshold=threshold)[0])


def _resolve(metric: str | Metric) -> Metric:
    if isinstance(metric, Metric):
        return metric
    if metric == BRIER.name:
        return BRIER
    if metric not in METRICS:
        raise InputError.field("metric", metric, f"one of {', '.join(METRICS)}, brier")
    return METRICS[metric]


def _bootstrap(
    y: np.ndarray,
    preds: list[np.ndarray],
    metric: str | Metric,
    n_classes: int,
    plan: _Plan,
    threshold: float | None,
) -> Interval:
    """The interval of one prediction's metric, or of a's minus b's on shared resamples."""
    chosen = _resolve(metric)
    _check(y, preds, plan)
    kernels = [k for pred in preds if (k := _kernel(chosen, y, pred, threshold)) is not None]
    if len(kernels) < len(preds):
        return _looped(chosen, y, preds, n_classes, plan)
    return _weighted(chosen.name, _difference(*kernels), len(y), plan)


def _difference(a: Kernel, b: Kernel | None = None) -> Kernel:
    return a if b is None else (lambda w: a(w) - b(w))


def _check(y: np.ndarray, preds: list[np.ndarray], plan: _Plan) -> None:
    if plan.rounds < 1:
        raise InputError.field("rounds", plan.rounds, "a whole number >= 1")
    if not 0.0 < plan.level < 1.0:
        raise InputError.field("level", plan.level, "a confidence level between 0 and 1, e.g. 0.95")
    if len(y) == 0:
        raise InputError.field("rows", 0, "at least one row to score")
    for pred in preds:
        if len(pred) != len(y):
            raise InputError.field("predictions", f"{len(pred)} rows", f"{len(y)}, as the target")


def _weighted(name: str, kernel: Kernel, n: int, plan: _Plan) -> Interval:
    estimate = float(kernel(np.ones((1, n)))[0])
    rng = np.random.default_rng(plan.seed)
    chunk = max(1, CHUNK_CELLS // n)
    parts = []
    for start in range(0, plan.rounds, chunk):
        size = min(chunk, plan.rounds - start)
        draws = rng.integers(0, n, size=(size, n), dtype=np.int32)
        draws += np.arange(size, dtype=np.int32)[:, None] * n
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        parts.append(kernel(counts.astype(np.float64)))
    return _interval(name, estimate, np.concatenate(parts), plan.level, "weighted", None)


def _looped(
    metric: Metric, y: np.ndarray, preds: list[np.ndarray], k: int, plan: _Plan
) -> Interval:
    """Resample rows and call the metric; rounds capped so the loop stays near two seconds."""
    n = len(y)
    capped = min(plan.rounds, max(MIN_LOOP_ROUNDS, LOOP_ROWS // n))
    rng = np.random.default_rng(plan.seed)
    samples = np.empty(capped)
    for r in range(capped):
        rows = rng.integers(0, n, size=n)
        samples[r] = _paired_score(metric, y[rows], [p[rows] for p in preds], k)
    estimate = _paired_score(metric, y, preds, k)
    note = f"{metric.name} has no fast weighted form: {capped} resamples by direct recomputation"
    return _interval(metric.name, estimate, samples, plan.level, "loop", note)


def _paired_score(metric: Metric, y: np.ndarray, preds: list[np.ndarray], k: int) -> float:
    """The score of one prediction, or a's minus b's; NaN where a resample leaves it undefined."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an undefined-metric warning marks the resample as NaN
        try:
            scores = [metric.score(y, p, k) for p in preds]
        except (ValueError, Warning):
            return math.nan
    return scores[0] if len(scores) == 1 else scores[0] - scores[1]


def _interval(
    name: str, estimate: float, samples: np.ndarray, level: float, method: str, note: str | None
) -> Interval:
    valid = samples[np.isfinite(samples)]
    if len(valid) < len(samples):
        dropped = f"{len(samples) - len(valid)} resample(s) left the metric undefined, dropped"
        note = dropped if note is None else f"{note}; {dropped}"
    if len(valid) == 0:
        return Interval(name, estimate, None, None, level, 0, method, note)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(valid, [tail, 1.0 - tail])
    return Interval(name, estimate, float(low), float(high), level, len(valid), method, note)


# ---- weighted kernels: each takes weights (r, n) and returns r scores ----


def _ratio(num: np.ndarray, den: np.ndarray, empty: float = math.nan) -> np.ndarray:
    out = np.full(np.shape(num), empty, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _auc_kernel(positive: np.ndarray, score: np.ndarray) -> Kernel:
    """Weighted Mann-Whitney: each positive wins the negative weight below it, half of ties."""
    pos, neg = np.flatnonzero(positive), np.flatnonzero(~positive)
    neg = neg[np.argsort(score[neg], kind="stable")]
    # Which prefix of the sorted negatives lies below (lo) or at most at (hi) each positive:
    # fixed by the scores, so every resample only needs one cumulative sum.
    lo = np.searchsorted(score[neg], score[pos], side="left")
    hi = np.searchsorted(score[neg], score[pos], side="right")
    tied = not np.array_equal(lo, hi)

    def kernel(w: np.ndarray) -> np.ndarray:
        below = _prefix_sums(w[:, neg])
        beaten = 0.5 * (below[:, lo] + below[:, hi]) if tied else below[:, lo]
        wp = w[:, pos]
        return _ratio(np.einsum("ij,ij->i", wp, beaten), wp.sum(axis=1) * below[:, -1])

    return kernel


def _ap_kernel(positive: np.ndarray, score: np.ndarray) -> Kernel:
    """Weighted average precision: each positive weighs the precision at its own score."""
    pos, neg = np.flatnonzero(positive), np.flatnonzero(~positive)
    pos = pos[np.argsort(-score[pos], kind="stable")]
    neg = neg[np.argsort(-score[neg], kind="stable")]
    # How many positives / negatives score at least as high as each positive (ties included).
    hits = np.searchsorted(-score[pos], -score[pos], side="right")
    false = np.searchsorted(-score[neg], -score[pos], side="right")

    def kernel(w: np.ndarray) -> np.ndarray:
        wp = w[:, pos]
        tp, fp = _prefix_sums(wp)[:, hits], _prefix_sums(w[:, neg])[:, false]
        precision = _ratio(tp, tp + fp, empty=0.0)
        return _ratio(np.einsum("ij,ij->i", wp, precision), wp.sum(axis=1))

    return kernel


def _prefix_sums(w: np.ndarray) -> np.ndarray:
    """Cumulative sums along each row, with a leading 0: column j sums the first j weights."""
    out = np.zeros((w.shape[0], w.shape[1] + 1))
    np.cumsum(w, axis=1, out=out[:, 1:])
    return out


def _mean_kernel(values: np.ndarray, root: bool = False) -> Kernel:
    def kernel(w: np.ndarray) -> np.ndarray:
        mean = _ratio(w @ values, w.sum(axis=1))
        return np.sqrt(mean) if root else mean

    return kernel


def _r2_kernel(y: np.ndarray, pred: np.ndarray) -> Kernel:
    centred = y - y.mean()  # centring keeps the sums of squares accurate for large targets
    residual = (y - pred) ** 2

    def kernel(w: np.ndarray) -> np.ndarray:
        spread = w @ centred**2 - _ratio((w @ centred) ** 2, w.sum(axis=1), empty=0.0)
        return 1.0 - _ratio(w @ residual, spread)  # NaN for a constant target

    return kernel


def _labels(pred: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is not None and pred.shape[1] == 2:
        return (pred[:, 1] >= threshold).astype(np.int64)
    return np.asarray(pred.argmax(axis=1))


def _class_kernel(name: str, y: np.ndarray, labels: np.ndarray, k: int) -> Kernel:
    """Precision, recall and F1 of class 1 (binary), or F1 / recall averaged over classes."""

    def counts(w: np.ndarray, c: int) -> tuple[np.ndarray, ...]:
        hit, said, real = (labels == c) & (y == c), labels == c, y == c
        return w @ hit.astype(np.float64), w @ said.astype(np.float64), w @ real.astype(np.float64)

    def kernel(w: np.ndarray) -> np.ndarray:
        if name in ("precision", "recall", "f1"):
            tp, said, real = counts(w, 1)
            den = {"precision": said, "recall": real, "f1": (said + real) / 2}[name]
            return _ratio(tp, den, empty=0.0)
        per_class = []
        for c in range(k):
            tp, said, real = counts(w, c)
            present = (real > 0) if name == "balanced_accuracy" else (said + real > 0)
            den = real if name == "balanced_accuracy" else (said + real) / 2
            per_class.append(np.where(present, _ratio(tp, den, empty=0.0), np.nan))
        stacked = np.stack(per_class)
        return _ratio(np.nansum(stacked, axis=0), np.isfinite(stacked).sum(axis=0))

    return kernel


def _brier_rows(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    if pred.shape[1] == 2:
        return np.asarray((pred[:, 1] - y) ** 2)  # binary: sklearn's brier_score_loss
    onehot = np.eye(pred.shape[1])[y]
    return np.asarray(((pred - onehot) ** 2).sum(axis=1))  # multiclass: summed over classes


def _classification_kernel(
    name: str, y: np.ndarray, pred: np.ndarray, threshold: float | None
) -> Kernel | None:
    k = pred.shape[1]
    if name == "roc_auc":
        return _auc_kernel(y == 1, pred[:, 1])
    if name == "pr_auc":
        return _ap_kernel(y == 1, pred[:, 1])
    if name == "roc_auc_ovr":
        kernels = [_auc_kernel(y == c, pred[:, c]) for c in range(k)]
        return lambda w: np.mean([kern(w) for kern in kernels], axis=0)
    if name == "log_loss":
        chosen = np.clip(pred[np.arange(len(y)), y], LOG_FLOOR, 1.0 - np.finfo(np.float64).eps)
        return _mean_kernel(-np.log(chosen))
    if name == "brier":
        return _mean_kernel(_brier_rows(y, pred))
    labels = _labels(pred, threshold)
    if name == "accuracy":
        return _mean_kernel((labels == y).astype(np.float64))
    if name in ("precision", "recall", "f1", "f1_macro", "balanced_accuracy"):
        return _class_kernel(name, y, labels, k)
    return None


def _regression_kernel(name: str, y: np.ndarray, pred: np.ndarray) -> Kernel | None:
    error = y - pred
    if name == "rmse":
        return _mean_kernel(error**2, root=True)
    if name == "mae":
        return _mean_kernel(np.abs(error))
    if name == "mape":  # sklearn's definition: |y| floored at machine epsilon
        return _mean_kernel(np.abs(error) / np.maximum(np.abs(y), np.finfo(np.float64).eps))
    if name == "r2":
        return _r2_kernel(y, pred)
    return None


def _kernel(
    metric: Metric, y: np.ndarray, pred: np.ndarray, threshold: float | None
) -> Kernel | None:
    """The weighted form of a built-in metric; None for a custom one (a loop then)."""
    if metric is not METRICS.get(metric.name) and metric is not BRIER:
        return None
    if pred.ndim == 2:
        return _classification_kernel(metric.name, np.asarray(y, dtype=np.int64), pred, threshold)
    return _regression_kernel(metric.name, np.asarray(y, dtype=np.float64), pred)
