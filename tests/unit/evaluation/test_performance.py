"""Out-of-fold performance: sklearn's numbers, at the decision threshold, JSON-safe."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from sklearn import metrics as skm

from modelward.errors import InputError
from modelward.evaluation.performance import fmt, metric_label, performance
from modelward.spec.model import Task
from modelward.training.evidence import Evidence
from modelward.training.target import Target


def _evidence(target: Target, y: np.ndarray, oof: np.ndarray) -> Evidence:
    frame = pl.DataFrame({"x": np.arange(len(y))})
    return Evidence(target=target, frame=frame, y=y, oof=oof, fitted=oof)


def _pair(p1: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p1, p1])


def _binary(n: int = 600, seed: int = 0) -> Evidence:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    p1 = np.clip(0.35 * y + 0.65 * rng.random(n), 0.001, 0.999)
    oof = np.column_stack([1 - p1, p1])
    oof[:5] = np.nan  # rows no fold validated
    return _evidence(Target("churn", Task.BINARY, ("No", "Yes")), y, oof)


def test_binary_metrics_equal_sklearn_at_the_threshold() -> None:
    evidence = _binary()
    result = performance(evidence, threshold=0.4, metric="roc_auc", rounds=200)
    y, p1 = evidence.y[5:], evidence.oof[5:, 1]
    said = (p1 >= 0.4).astype(int)
    facts = result.facts()
    assert result.rows == len(y) == facts["rows_scored"]
    assert facts["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p1))
    assert result.score == pytest.approx(facts["roc_auc"])
    assert facts["pr_auc"] == pytest.approx(skm.average_precision_score(y, p1))
    assert facts["log_loss"] == pytest.approx(skm.log_loss(y, p1))
    assert facts["brier"] == pytest.approx(skm.brier_score_loss(y, p1))
    assert facts["accuracy"] == pytest.approx(skm.accuracy_score(y, said))
    assert facts["precision"] == pytest.approx(skm.precision_score(y, said))
    assert facts["recall"] == pytest.approx(skm.recall_score(y, said))
    assert facts["f1"] == pytest.approx(skm.f1_score(y, said))
    assert facts["roc_auc_ci_low"] < facts["roc_auc"] < facts["roc_auc_ci_high"]
    matrix = skm.confusion_matrix(y, said).tolist()
    assert [list(row) for row in result.confusion] == matrix


def test_a_threshold_metric_as_primary_is_scored_at_the_threshold() -> None:
    evidence = _binary()
    result = performance(evidence, threshold=0.3, metric="recall", rounds=50)
    assert result.score == pytest.approx(result.metrics["recall"])
    assert result.threshold == 0.3


def test_plots_are_small_and_the_report_is_json_safe() -> None:
    result = performance(_binary(n=3000), threshold=None, metric="roc_auc", rounds=50)
    assert result.threshold == 0.5
    assert result.roc is not None
    assert result.pr is not None
    assert 10 < len(result.roc.x) <= 100
    assert len(result.pr.x) <= 100
    assert (result.roc.x[0], result.roc.x[-1]) == (0.0, 1.0)
    assert len(result.calibration) == 10
    assert sum(rows for _, _, rows in result.calibration) == result.rows
    predicted = [p for p, _, _ in result.calibration]
    assert predicted == sorted(predicted)
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert data["confusion"]["classes"] == ["No", "Yes"]
    assert data["interval"]["rounds"] == 50
    assert set(data["roc"]) == {"fpr", "tpr"}


def test_multiclass_uses_the_most_probable_class() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 400)
    logits = rng.normal(size=(400, 3)) + 2 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    target = Target("kind", Task.MULTICLASS, ("a", "b", "c"))
    result = performance(_evidence(target, y, proba), threshold=0.9, metric="log_loss", rounds=50)
    said = proba.argmax(axis=1)
    facts = result.facts()
    assert result.threshold is None
    assert facts["roc_auc_ovr"] == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr"))
    assert facts["f1_macro"] == pytest.approx(skm.f1_score(y, said, average="macro"))
    assert facts["accuracy"] == pytest.approx(skm.accuracy_score(y, said))
    assert facts["brier"] == pytest.approx(np.mean(((proba - np.eye(3)[y]) ** 2).sum(axis=1)))
    assert "roc_auc" not in facts
    assert result.roc is None
    assert len(result.confusion) == 3


def test_rows_of_one_class_leave_ranking_metrics_out_and_say_so() -> None:
    y = np.zeros(60, dtype=np.int64)
    p1 = np.linspace(0.05, 0.6, 60)
    evidence = _evidence(Target("churn", Task.BINARY, ("No", "Yes")), y, _pair(p1))
    result = performance(evidence, threshold=None, metric="roc_auc", rounds=20)
    assert "roc_auc" not in result.facts()
    assert "roc_auc_ci_low" not in result.facts()
    assert result.facts()["accuracy"] == pytest.approx(np.mean(p1 < 0.5))
    assert result.notes == ("undefined on these rows (a class has no row): roc_auc, pr_auc",)
    assert result.roc is None
    assert json.loads(json.dumps(result.to_json(), allow_nan=False))["score"] is None


def test_regression_metrics_residuals_and_histogram() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(100, 20, 900)
    pred = y + rng.normal(2, 5, 900)
    evidence = _evidence(Target("price", Task.REGRESSION), y, pred)
    result = performance(evidence, threshold=None, metric="rmse", rounds=50)
    facts = result.facts()
    assert facts["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert facts["mae"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert facts["r2"] == pytest.approx(skm.r2_score(y, pred))
    assert facts["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, pred))
    assert facts["mean_residual"] == pytest.approx(np.mean(y - pred))
    residuals = result.residuals
    assert residuals is not None
    assert len(residuals.predicted) == len(residuals.residual) == 500
    assert len(residuals.counts) == 20
    assert sum(residuals.counts) == 900
    assert residuals.quantiles[0.5] == pytest.approx(np.median(y - pred))
    assert json.dumps(result.to_json(), allow_nan=False)


def test_mape_is_not_reported_when_a_target_is_zero() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0] * 10)
    evidence = _evidence(Target("units", Task.REGRESSION), y, y + 0.5)
    result = performance(evidence, threshold=None, metric="mae", rounds=20)
    assert "mape" not in result.facts()
    assert any("MAPE not reported: 10 row(s)" in note for note in result.notes)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="metric: got 'rmse'; expected a binary metric"):
        performance(_binary(n=50), threshold=None, metric="rmse")
    with pytest.raises(InputError, match=r"threshold: got 1\.5; expected a probability"):
        performance(_binary(n=50), threshold=1.5, metric="roc_auc")


def test_labels_and_numbers_read_well() -> None:
    assert metric_label("roc_auc") == "ROC-AUC"
    assert metric_label("balanced_accuracy") == "balanced accuracy"
    assert (fmt(0.1114), fmt(12.345), fmt(1234.5), fmt(float("nan"))) == (
        "0.111",
        "12.35",
        "1,234",
        "undefined",
    )
