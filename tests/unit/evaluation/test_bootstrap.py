"""Weighted metrics equal sklearn's; intervals are deterministic, paired and honest."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sklearn import metrics as skm

from modelward.errors import InputError
from modelward.evaluation.bootstrap import (
    Interval,
    difference_ci,
    metric_ci,
    point_score,
    weighted_scores,
)
from modelward.training.metrics import METRICS, Metric


def _binary(n: int = 400, seed: int = 0, ties: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p1 = np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1)
    if ties:
        p1 = np.round(p1, 1)  # many tied scores: ties must count half
    return y, np.column_stack([1 - p1, p1])


def _multiclass(n: int = 300, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, np.round(proba, 2) / np.round(proba, 2).sum(axis=1, keepdims=True)


def _regression(n: int = 300, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(50, 10, n)
    return y, y + rng.normal(0, 4, n)


def _labels(p: np.ndarray) -> np.ndarray:
    return np.asarray(p.argmax(axis=1))


SKLEARN: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {
    "roc_auc": lambda y, p, w: skm.roc_auc_score(y, p[:, 1], sample_weight=w),
    "pr_auc": lambda y, p, w: skm.average_precision_score(y, p[:, 1], sample_weight=w),
    "log_loss": lambda y, p, w: skm.log_loss(y, p, sample_weight=w, labels=[0, 1]),
    "accuracy": lambda y, p, w: skm.accuracy_score(y, _labels(p), sample_weight=w),
    "precision": lambda y, p, w: skm.precision_score(y, _labels(p), sample_weight=w),
    "recall": lambda y, p, w: skm.recall_score(y, _labels(p), sample_weight=w),
    "f1": lambda y, p, w: skm.f1_score(y, _labels(p), sample_weight=w),
    "balanced_accuracy": lambda y, p, w: skm.balanced_accuracy_score(
        y, _labels(p), sample_weight=w
    ),
    "brier": lambda y, p, w: skm.brier_score_loss(y, p[:, 1], sample_weight=w),
}


@pytest.mark.parametrize("name", sorted(SKLEARN))
def test_weighted_binary_metrics_equal_sklearn_with_sample_weights(name: str) -> None:
    y, p = _binary()
    counts = np.random.default_rng(5).multinomial(len(y), np.full(len(y), 1 / len(y)))
    weights = np.vstack([np.ones(len(y)), counts])
    got = weighted_scores(y, p, name, weights)
    assert got[0] == pytest.approx(SKLEARN[name](y, p, np.ones(len(y))), abs=1e-12)
    assert got[1] == pytest.approx(SKLEARN[name](y, p, counts), abs=1e-12)


REGRESSION_SKLEARN: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {
    "rmse": lambda y, p, w: np.sqrt(skm.mean_squared_error(y, p, sample_weight=w)),
    "mae": lambda y, p, w: skm.mean_absolute_error(y, p, sample_weight=w),
    "r2": lambda y, p, w: skm.r2_score(y, p, sample_weight=w),
    "mape": lambda y, p, w: skm.mean_absolute_percentage_error(y, p, sample_weight=w),
}


@pytest.mark.parametrize("name", sorted(REGRESSION_SKLEARN))
def test_weighted_regression_metrics_equal_sklearn_with_sample_weights(name: str) -> None:
    y, pred = _regression()
    counts = np.random.default_rng(6).multinomial(len(y), np.full(len(y), 1 / len(y)))
    got = weighted_scores(y, pred, name, counts[None, :])[0]
    assert got == pytest.approx(REGRESSION_SKLEARN[name](y, pred, counts), rel=1e-10)


def test_weighted_auc_with_unit_weights_is_sklearns_including_ties() -> None:
    y, p = _binary(ties=True)
    assert len(np.unique(p[:, 1])) <= 11
    assert point_score(y, p, "roc_auc") == pytest.approx(skm.roc_auc_score(y, p[:, 1]), abs=1e-12)
    constant = np.full_like(p, 0.5)
    assert point_score(y, constant, "roc_auc") == pytest.approx(0.5)


@pytest.mark.parametrize(
    "name", ["roc_auc_ovr", "log_loss", "accuracy", "f1_macro", "balanced_accuracy"]
)
def test_multiclass_point_estimates_equal_the_training_metrics(name: str) -> None:
    y, p = _multiclass()
    interval = metric_ci(y, p, name, n_classes=3, rounds=20)
    assert interval.estimate == pytest.approx(METRICS[name].score(y, p, 3), abs=1e-12)


@pytest.mark.parametrize("name", ["rmse", "mae", "r2", "mape"])
def test_regression_point_estimates_equal_the_training_metrics(name: str) -> None:
    y, pred = _regression()
    interval = metric_ci(y, pred, name, n_classes=0, rounds=20)
    assert interval.estimate == pytest.approx(METRICS[name].score(y, pred, 0), rel=1e-10)
    assert interval.low is not None
    assert interval.high is not None
    assert interval.low <= interval.estimate <= interval.high


def test_threshold_decides_the_label_metrics() -> None:
    y, p = _binary(ties=False)
    at = (p[:, 1] >= 0.3).astype(int)
    assert point_score(y, p, "recall", threshold=0.3) == pytest.approx(skm.recall_score(y, at))
    assert point_score(y, p, "accuracy", threshold=0.3) == pytest.approx(skm.accuracy_score(y, at))


def test_intervals_are_deterministic_for_a_seed() -> None:
    y, p = _binary()
    first = metric_ci(y, p, "roc_auc", n_classes=2, rounds=300, seed=7)
    assert metric_ci(y, p, "roc_auc", n_classes=2, rounds=300, seed=7) == first
    other = metric_ci(y, p, "roc_auc", n_classes=2, rounds=300, seed=8)
    assert (other.low, other.high) != (first.low, first.high)
    assert first.method == "weighted"
    assert first.rounds == 300
    assert first.low is not None
    assert first.high is not None
    assert first.low < first.estimate < first.high


def test_interval_matches_a_naive_bootstrap_in_width() -> None:
    y, p = _binary(n=600, ties=False)
    rng = np.random.default_rng(0)
    naive = []
    for _ in range(100):
        rows = rng.integers(0, len(y), len(y))
        naive.append(skm.roc_auc_score(y[rows], p[rows, 1]))
    fast = metric_ci(y, p, "roc_auc", n_classes=2, rounds=1000, seed=1)
    assert fast.low is not None
    assert fast.high is not None
    width = np.quantile(naive, 0.975) - np.quantile(naive, 0.025)
    assert fast.high - fast.low == pytest.approx(width, rel=0.3)


def test_paired_difference_uses_the_same_resamples() -> None:
    y, p = _binary(ties=False)
    same = difference_ci(y, p, p, "roc_auc", n_classes=2, rounds=200)
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)
    noisy = 0.3 * p[:, 1] + 0.7 * np.random.default_rng(4).random(len(y))
    worse = np.column_stack([1 - noisy, noisy])
    diff = difference_ci(y, p, worse, "roc_auc", n_classes=2, rounds=200)
    expected = skm.roc_auc_score(y, p[:, 1]) - skm.roc_auc_score(y, worse[:, 1])
    assert diff.estimate == pytest.approx(expected)
    assert diff.low is not None
    assert diff.low > 0


def test_a_custom_metric_falls_back_to_a_capped_loop() -> None:
    y, pred = _regression(n=200)

    def median_error(y: np.ndarray, p: np.ndarray, k: int) -> float:
        return float(np.median(np.abs(y - p)))

    metric = Metric("median_error", False, median_error)
    interval = metric_ci(y, pred, metric, n_classes=0, rounds=100, seed=3)
    assert interval.method == "loop"
    assert interval.note is not None
    assert "no fast weighted form" in interval.note
    assert interval.estimate == pytest.approx(median_error(y, pred, 0))
    assert interval == metric_ci(y, pred, metric, n_classes=0, rounds=100, seed=3)


def test_resamples_that_leave_the_metric_undefined_are_dropped_and_said() -> None:
    y = np.array([1] + [0] * 14)
    p1 = np.linspace(0.1, 0.9, 15)
    interval = metric_ci(y, np.column_stack([1 - p1, p1]), "roc_auc", n_classes=2, rounds=200)
    assert 0 < interval.rounds < 200
    assert interval.note is not None
    assert "undefined" in interval.note
    assert interval.to_json()["rounds"] == interval.rounds


def test_json_is_plain_and_finite() -> None:
    interval = Interval("roc_auc", float("nan"), None, None, 0.95, 0, "weighted")
    assert interval.to_json()["estimate"] is None


def test_bad_settings_are_refused() -> None:
    y, p = _binary(n=40)
    with pytest.raises(InputError, match="rounds: got 0; expected a whole number >= 1"):
        metric_ci(y, p, "roc_auc", n_classes=2, rounds=0)
    with pytest.raises(InputError, match=r"level: got 1\.5; expected a confidence level"):
        metric_ci(y, p, "roc_auc", n_classes=2, level=1.5)


def test_unknown_metric_and_mismatched_rows_are_refused() -> None:
    y, p = _binary(n=40)
    with pytest.raises(InputError, match="metric: got 'auc'"):
        metric_ci(y, p, "auc", n_classes=2)
    with pytest.raises(InputError, match="predictions: got '39 rows'"):
        difference_ci(y, p, p[:-1], "roc_auc", n_classes=2)
