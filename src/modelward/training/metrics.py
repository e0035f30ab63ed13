"""Metrics the search optimizes, computed from probabilities (classification) or values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from modelward.errors import InputError
from modelward.spec import Task

Scorer = Callable[[np.ndarray, np.ndarray, int], float]


@dataclass(frozen=True)
class Metric:
    """A named score and its direction; `loss()` turns it into something to minimize."""

    name: str
    greater_is_better: bool
    score_fn: Scorer

    def score(self, y: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
        return float(self.score_fn(y, pred, n_classes))

    def loss(self, value: float) -> float:
        return -value if self.greater_is_better else value

    def better(self, a: float, b: float) -> bool:
        """Whether score `a` is strictly better than score `b`."""
        return a > b if self.greater_is_better else a < b


def _labels(pred: np.ndarray) -> np.ndarray:
    return np.asarray(pred.argmax(axis=1))


def _roc_auc(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.roc_auc_score(y, p[:, 1]))


def _roc_auc_ovr(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.roc_auc_score(y, p, multi_class="ovr", labels=list(range(k))))


def _pr_auc(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.average_precision_score(y, p[:, 1]))


def _log_loss(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.log_loss(y, np.clip(p, 1e-15, 1.0), labels=list(range(k))))


def _accuracy(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.accuracy_score(y, _labels(p)))


def _balanced(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.balanced_accuracy_score(y, _labels(p)))


def _f1(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.f1_score(y, _labels(p), zero_division=0.0))


def _f1_macro(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.f1_score(y, _labels(p), average="macro", zero_division=0.0))


def _precision(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.precision_score(y, _labels(p), zero_division=0.0))


def _recall(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.recall_score(y, _labels(p), zero_division=0.0))


def _rmse(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(np.sqrt(np.mean((y - p) ** 2)))


def _mae(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(np.mean(np.abs(y - p)))


def _r2(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.r2_score(y, p))


def _mape(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(skm.mean_absolute_percentage_error(y, p))


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", True, _roc_auc),
        Metric("roc_auc_ovr", True, _roc_auc_ovr),
        Metric("pr_auc", True, _pr_auc),
        Metric("log_loss", False, _log_loss),
        Metric("accuracy", True, _accuracy),
        Metric("balanced_accuracy", True, _balanced),
        Metric("f1", True, _f1),
        Metric("f1_macro", True, _f1_macro),
        Metric("precision", True, _precision),
        Metric("recall", True, _recall),
        Metric("rmse", False, _rmse),
        Metric("mae", False, _mae),
        Metric("r2", True, _r2),
        Metric("mape", False, _mape),
    )
}


def get_metric(name: str | None, task: Task, *, field: str = "--metric") -> Metric:
    """The metric `name` (the task's default when None), checked to fit the task."""
    chosen = name or task.default_metric()
    if chosen not in task.metrics() or chosen not in METRICS:
        allowed = ", ".join(m for m in task.metrics() if m in METRICS)
        raise InputError.field(field, chosen, f"a {task.value} metric: {allowed}")
    return METRICS[chosen]
