"""Folds never leak, metrics point the right way, the ensemble is kept only when it helps."""

from __future__ import annotations

import numpy as np
import pytest

from modelward.errors import InputError
from modelward.spec.model import Task
from modelward.training.ensemble import select_blend
from modelward.training.folds import choose_k, make_folds
from modelward.training.metrics import get_metric
from modelward.training.trial import TrialOutcome, TrialState


def test_stratified_folds_partition_rows_and_hold_out_stop_rows() -> None:
    y = np.array([0] * 80 + [1] * 20)
    folds = make_folds(y, classification=True, k=5, seed=1)
    valid = np.concatenate([f.valid for f in folds])
    assert sorted(valid.tolist()) == list(range(100))
    for fold in folds:
        assert not set(fold.train) & set(fold.valid)
        assert sorted([*fold.fit, *fold.stop]) == sorted(fold.train)
        assert y[fold.valid].sum() == 4  # stratified: 20% positives in every fold


def test_grouped_folds_keep_groups_together() -> None:
    y = np.arange(60, dtype=float)
    groups = np.repeat(np.arange(12), 5)
    for fold in make_folds(y, classification=False, k=3, seed=0, groups=groups):
        assert not set(groups[fold.train]) & set(groups[fold.valid])


def test_time_ordered_folds_never_look_ahead() -> None:
    y = np.zeros(50)
    order = np.arange(50)[::-1]  # row 0 is the newest
    for fold in make_folds(y, classification=False, k=4, seed=0, order=order):
        assert order[fold.train].max() < order[fold.valid].min()
        assert order[fold.stop].min() >= order[fold.fit].max()


def test_choose_k_respects_the_smallest_class() -> None:
    assert choose_k(1000, 3) == 3
    assert choose_k(100_000, None) == 3
    with pytest.raises(InputError, match="at least 2 rows in every class"):
        choose_k(100, 1)


def test_metrics_know_their_direction() -> None:
    auc = get_metric("roc_auc", Task.BINARY)
    assert auc.better(0.9, 0.8)
    rmse = get_metric(None, Task.REGRESSION)
    assert rmse.name == "rmse"
    assert rmse.better(1.0, 2.0)
    with pytest.raises(InputError, match="--metric: got 'rmse'; expected a binary metric"):
        get_metric("rmse", Task.BINARY)


def _outcome(number: int, oof: np.ndarray, metric_value: float) -> TrialOutcome:
    return TrialOutcome(
        number, "f", {}, TrialState.COMPLETE, metric_value, (metric_value,), (), 0.1, oof=oof
    )


def test_ensemble_kept_when_it_beats_the_best_single_model() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=400)
    # Two models with independent errors: their average is clearly better than either.
    a, b = y + rng.normal(size=400), y + rng.normal(size=400)
    metric = get_metric("rmse", Task.REGRESSION)
    ranked = [_outcome(0, a, metric.score(y, a, 0)), _outcome(1, b, metric.score(y, b, 0))]
    ranked.sort(key=lambda o: o.score or 0.0)
    blend = select_blend(ranked, y, metric, 0)
    assert blend.is_ensemble
    assert blend.score < min(o.score or 0.0 for o in ranked)
    assert sum(blend.weights) == pytest.approx(1.0)


def test_ensemble_dropped_when_it_does_not_help() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=400)
    good, bad = y + 0.01 * rng.normal(size=400), rng.normal(size=400)
    metric = get_metric("rmse", Task.REGRESSION)
    ranked = [
        _outcome(0, good, metric.score(y, good, 0)),
        _outcome(1, bad, metric.score(y, bad, 0)),
    ]
    blend = select_blend(ranked, y, metric, 0)
    assert not blend.is_ensemble
    assert blend.members[0].number == 0
