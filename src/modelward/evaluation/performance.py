"""How well the model predicts rows it never saw: metrics, curves and residuals.

Everything is computed on the out-of-fold predictions of the evidence (rows no fold validated
are left out), so the numbers estimate performance on new data, not on the training rows.

Choices a reader should know:
- Binary accuracy, precision, recall, F1 and the confusion matrix apply the decision threshold
  (positive when p1 >= threshold; 0.5 when none is set): the rule the deployed model follows.
  Multiclass uses the most probable class and ignores the threshold.
- Brier score: binary is sklearn's (squared error of p1); multiclass sums the squared error
  over classes (range 0 to 2).
- Calibration: 10 equal-count bins of the predicted probability (binary) or of the top-class
  confidence against accuracy (multiclass); `calibration_error` is their count-weighted gap.
- MAPE divides by the target, so it is not reported when any target is 0; a note says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn import metrics as skm

from modelward.errors import InputError
from modelward.evaluation.bootstrap import Interval, metric_ci, point_score
from modelward.evaluation.numbers import json_float
from modelward.spec import Task
from modelward.training import METRICS, Evidence, get_metric

CURVE_POINTS = 100
CALIBRATION_BINS = 10
RESIDUAL_SAMPLE = 500
HISTOGRAM_BINS = 20
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SHARED_METRICS = ("log_loss", "brier", "accuracy", "balanced_accuracy")
BINARY_METRICS = ("roc_auc", "pr_auc", *SHARED_METRICS, "precision", "recall", "f1")
MULTICLASS_METRICS = ("roc_auc_ovr", *SHARED_METRICS, "f1_macro")

LABELS = {
    "roc_auc": "ROC-AUC",
    "roc_auc_ovr": "ROC-AUC (one-vs-rest)",
    "pr_auc": "PR-AUC",
    "log_loss": "log-loss",
    "balanced_accuracy": "balanced accuracy",
    "f1": "F1",
    "f1_macro": "macro F1",
    "rmse": "RMSE",
    "mae": "MAE",
    "mape": "MAPE",
    "r2": "R²",
    "brier": "Brier score",
}


def metric_label(name: str) -> str:
    """How a metric is named in a sentence: `roc_auc` -> `ROC-AUC`."""
    return LABELS.get(name, name.replace("_", " "))


def fmt(value: float, digits: int = 3) -> str:
    """A number for a sentence: 0.851, 12.34, 1,234."""
    if not math.isfinite(value):
        return "undefined"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) >= 10 else f"{value:.{digits}f}"


def decision_threshold(task: Task, threshold: float | None) -> float | None:
    """The threshold label metrics apply: binary uses it (0.5 when unset); others take argmax."""
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError.field("threshold", threshold, "a probability between 0 and 1")
    if task is not Task.BINARY:
        return None
    return 0.5 if threshold is None else threshold


@dataclass(frozen=True)
class Curve:
    """A curve for plotting (ROC or precision-recall), thinned to at most 100 points."""

    x_name: str
    y_name: str
    x: tuple[float, ...]
    y: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            self.x_name: [json_float(v, 4) for v in self.x],
            self.y_name: [json_float(v, 4) for v in self.y],
        }


@dataclass(frozen=True)
class Residuals:
    """Regression errors (observed minus predicted): summary, a plot sample and a histogram."""

    mean: float
    std: float
    quantiles: Mapping[float, float]
    predicted: tuple[float, ...]
    residual: tuple[float, ...]
    edges: tuple[float, ...]
    counts: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "mean": json_float(self.mean, 6),
            "std": json_float(self.std, 6),
            "quantiles": {
                f"p{round(q * 100)}": json_float(v, 6) for q, v in self.quantiles.items()
            },
            "sample": {
                "predicted": [json_float(v, 4) for v in self.predicted],
                "residual": [json_float(v, 4) for v in self.residual],
            },
            "histogram": {
                "edges": [json_float(v, 4) for v in self.edges],
                "counts": list(self.counts),
            },
        }


@dataclass(frozen=True)
class Performance:
    """The model's out-of-fold performance. `metrics` maps each metric name to its value.

    Classification fills `confusion` (rows actual, columns predicted, in `classes` order),
    `calibration` (predicted, observed, rows per bin) and, for binary, the `roc` and `pr`
    curves; regression fills `residuals`. `interval` is the primary metric's bootstrap CI.
    """

    task: Task
    metric: str
    rows: int
    threshold: float | None
    metrics: Mapping[str, float]
    interval: Interval
    classes: tuple[str, ...] = ()
    confusion: tuple[tuple[int, ...], ...] = ()
    calibration: tuple[tuple[float, float, int], ...] = ()
    roc: Curve | None = None
    pr: Curve | None = None
    residuals: Residuals | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def score(self) -> float:
        """The primary metric on all scored rows."""
        return self.interval.estimate

    def facts(self) -> dict[str, float]:
        """Every scalar metric by name, plus the primary metric's CI and the row count."""
        facts = {name: value for name, value in self.metrics.items() if math.isfinite(value)}
        facts["rows_scored"] = float(self.rows)
        if self.interval.low is not None and self.interval.high is not None:
            facts[f"{self.metric}_ci_low"] = self.interval.low
            facts[f"{self.metric}_ci_high"] = self.interval.high
        return facts

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task.value,
            "metric": self.metric,
            "score": json_float(self.score, 6),
            "interval": self.interval.to_json(),
            "rows": self.rows,
            "threshold": self.threshold,
            "metrics": {name: json_float(value, 6) for name, value in self.metrics.items()},
            "confusion": {
                "classes": list(self.classes),
                "counts": [list(r) for r in self.confusion],
            },
            "calibration": [
                {"predicted": json_float(p, 4), "observed": json_float(o, 4), "rows": c}
                for p, o, c in self.calibration
            ],
            "roc": self.roc.to_json() if self.roc else None,
            "pr": self.pr.to_json() if self.pr else None,
            "residuals": self.residuals.to_json() if self.residuals else None,
            "notes": list(self.notes),
        }


def performance(
    evidence: Evidence, *, threshold: float | None, metric: str, rounds: int = 1000, seed: int = 0
) -> Performance:
    """Metrics, curves and residuals of the out-of-fold predictions, and the primary metric's CI.

    `threshold` is the binary decision threshold (None: 0.5); `metric` the primary metric.
    """
    task = evidence.target.task
    primary = get_metric(metric, task, field="metric").name
    cut = decision_threshold(task, threshold)
    rows = evidence.scored
    y, pred = evidence.y[rows], evidence.oof[rows]
    k = evidence.target.n_classes
    interval = metric_ci(y, pred, primary, n_classes=k, rounds=rounds, seed=seed, threshold=cut)
    if not evidence.target.is_classification:
        values, notes = _regression_metrics(y, pred)
        residuals = _residuals(y, pred, seed)
        return Performance(
            task, primary, len(rows), None, values, interval, residuals=residuals, notes=notes
        )
    labels = _decide(pred, cut)
    values, notes = _classification_metrics(y, pred, labels, cut)
    calibration = _calibration(y, pred, labels)
    values["calibration_error"] = _calibration_error(calibration, len(rows))
    roc, pr = _curves(y, pred) if k == 2 and len(np.unique(y)) == 2 else (None, None)
    return Performance(
        task,
        primary,
        len(rows),
        cut,
        values,
        interval,
        classes=tuple(str(c) for c in evidence.target.classes),
        confusion=_confusion(y, labels, k),
        calibration=calibration,
        roc=roc,
        pr=pr,
        notes=notes,
    )


def _decide(pred: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is not None:
        return (pred[:, 1] >= threshold).astype(np.int64)
    return np.asarray(pred.argmax(axis=1))


def _classification_metrics(
    y: np.ndarray, pred: np.ndarray, labels: np.ndarray, cut: float | None
) -> tuple[dict[str, float], tuple[str, ...]]:
    binary = pred.shape[1] == 2
    names = BINARY_METRICS if binary else MULTICLASS_METRICS
    # The weighted forms the intervals use: equal to sklearn's, and NaN where undefined.
    values = {name: point_score(y, pred, name, threshold=cut) for name in names}
    if binary:
        values["positive_rate"] = float(np.mean(y == 1))
        values["predicted_positive_rate"] = float(np.mean(labels == 1))
    else:
        for name, score in (("precision", skm.precision_score), ("recall", skm.recall_score)):
            values[f"{name}_macro"] = float(score(y, labels, average="macro", zero_division=0.0))
    undefined = [name for name, value in values.items() if not math.isfinite(value)]
    notes = (f"undefined on these rows (a class has no row): {', '.join(undefined)}",)
    return {n: v for n, v in values.items() if n not in undefined}, notes if undefined else ()


def _confusion(y: np.ndarray, labels: np.ndarray, k: int) -> tuple[tuple[int, ...], ...]:
    matrix = skm.confusion_matrix(y, labels, labels=list(range(k)))
    return tuple(tuple(int(v) for v in row) for row in matrix)


def _calibration(
    y: np.ndarray, pred: np.ndarray, labels: np.ndarray
) -> tuple[tuple[float, float, int], ...]:
    """Equal-count bins of p1 vs the positive rate (binary) or confidence vs accuracy."""
    if pred.shape[1] == 2:
        confidence, hit = pred[:, 1], (y == 1).astype(np.float64)
    else:
        confidence, hit = pred.max(axis=1), (labels == y).astype(np.float64)
    order = np.argsort(confidence, kind="stable")
    bins = np.array_split(order, min(CALIBRATION_BINS, len(order)))
    return tuple((float(confidence[b].mean()), float(hit[b].mean()), len(b)) for b in bins)


def _calibration_error(bins: tuple[tuple[float, float, int], ...], rows: int) -> float:
    return float(sum(count * abs(p - o) for p, o, count in bins) / max(rows, 1))


def _curves(y: np.ndarray, pred: np.ndarray) -> tuple[Curve, Curve]:
    fpr, tpr, _ = skm.roc_curve(y, pred[:, 1])
    precision, recall, _ = skm.precision_recall_curve(y, pred[:, 1])
    roc = Curve("fpr", "tpr", *_thin(fpr, tpr))
    pr = Curve("recall", "precision", *_thin(recall[::-1], precision[::-1]))
    return roc, pr


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """At most CURVE_POINTS points, evenly spaced along the curve, both ends kept."""
    keep = np.unique(np.linspace(0, len(x) - 1, min(CURVE_POINTS, len(x))).round().astype(int))
    return tuple(float(v) for v in x[keep]), tuple(float(v) for v in y[keep])


def _regression_metrics(
    y: np.ndarray, pred: np.ndarray
) -> tuple[dict[str, float], tuple[str, ...]]:
    error = y - pred
    values = {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "median_absolute_error": float(np.median(np.abs(error))),
        "mean_residual": float(error.mean()),
    }
    if np.ptp(y) > 0:
        values["r2"] = METRICS["r2"].score(y, pred, 0)
    zeros = int(np.count_nonzero(y == 0))
    if zeros:
        note = (
            f"MAPE not reported: {zeros} row(s) have a target of 0, where a percentage is undefined"
        )
        return values, (note,)
    values["mape"] = float(np.mean(np.abs(error) / np.abs(y)))
    return values, ()


def _residuals(y: np.ndarray, pred: np.ndarray, seed: int) -> Residuals:
    error = y - pred
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(y), size=min(RESIDUAL_SAMPLE, len(y)), replace=False))
    counts, edges = np.histogram(error, bins=HISTOGRAM_BINS)
    return Residuals(
        mean=float(error.mean()),
        std=float(error.std()),
        quantiles=dict(
            zip(QUANTILES, (float(v) for v in np.quantile(error, QUANTILES)), strict=True)
        ),
        predicted=tuple(float(v) for v in pred[sample]),
        residual=tuple(float(v) for v in error[sample]),
        edges=tuple(float(v) for v in edges),
        counts=tuple(int(c) for c in counts),
    )
