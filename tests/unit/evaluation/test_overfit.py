"""The train/held-out gap: judged against the room left to a perfect score, both directions."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from modelward.evaluation.overfit import overfit_check
from modelward.spec.model import Task
from modelward.training.evidence import Evidence
from modelward.training.target import Target

BINARY = Target("y", Task.BINARY, ("no", "yes"))
REGRESSION = Target("v", Task.REGRESSION)


def _proba(p1: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p1, p1])


def _binary(signal: float, fitted_signal: float, n: int = 1000) -> Evidence:
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.4).astype(np.int64)
    noise = rng.random(n)
    oof = _proba(signal * y + (1 - signal) * noise)
    fitted = _proba(fitted_signal * y + (1 - fitted_signal) * noise)
    return Evidence(BINARY, pl.DataFrame({"x": noise}), y, oof, fitted)


def _regression(valid_error: float, train_error: float, n: int = 500) -> Evidence:
    rng = np.random.default_rng(1)
    y = rng.normal(10, 3, n)
    noise = rng.normal(0, 1, n)
    frame = pl.DataFrame({"x": noise})
    return Evidence(REGRESSION, frame, y, y + valid_error * noise, y + train_error * noise)


def test_the_same_predictions_show_no_gap() -> None:
    evidence = _binary(0.3, 0.3)
    result = overfit_check(evidence, "roc_auc")
    assert result.gap == 0.0
    assert result.facts()["overfitting"] == 0.0
    assert result.message.endswith("no sign of overfitting")


def test_a_model_that_memorised_its_rows_is_flagged() -> None:
    evidence = _binary(0.2, 0.6)  # training rows nearly separated, held-out rows not
    result = overfit_check(evidence, "roc_auc")
    facts = result.facts()
    assert facts["train_score"] > facts["valid_score"]
    assert facts["overfit_gap"] == pytest.approx(facts["train_score"] - facts["valid_score"])
    assert result.share > 0.5
    assert facts["overfitting"] == 1.0
    assert "much better than new ones" in result.message
    assert json.loads(json.dumps(result.to_json()))["overfitting"] is True


def test_a_small_gap_near_a_perfect_score_is_not_flagged() -> None:
    evidence = _binary(0.45, 0.5)  # held-out AUC near 0.98, training AUC 1.0
    result = overfit_check(evidence, "roc_auc")
    assert result.valid_score > 0.98
    assert result.share > 0.5  # most of the tiny room is closed ...
    assert result.gap < 0.02  # ... by a gap too small to matter
    assert not result.overfitting
    assert "within what a flexible model normally shows" in result.message


def test_errors_count_in_the_better_direction() -> None:
    moderate = overfit_check(_regression(valid_error=2.0, train_error=1.2), "rmse")
    assert moderate.train_score < moderate.valid_score
    assert moderate.gap == pytest.approx(moderate.valid_score - moderate.train_score)
    assert moderate.share == pytest.approx(0.4)
    assert not moderate.overfitting
    severe = overfit_check(_regression(valid_error=2.0, train_error=0.5), "rmse")
    assert severe.share == pytest.approx(0.75)
    assert severe.overfitting
    assert severe.message.startswith("RMSE ")


def test_a_training_score_below_the_held_out_one_is_no_overfitting() -> None:
    result = overfit_check(_regression(valid_error=1.0, train_error=1.5), "mae")
    assert result.gap < 0
    assert not result.overfitting
