"""The membership attack sees memorization where there is some, and none where there is none."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from modelward.errors import InputError
from modelward.evaluation.privacy import MembershipRisk, RiskLevel, membership_risk
from modelward.spec.model import Task
from modelward.training.evidence import Evidence
from modelward.training.target import Target

BINARY = Target("y", Task.BINARY, ("no", "yes"))
REGRESSION = Target("y", Task.REGRESSION)


def _noisy_classification() -> tuple[np.ndarray, np.ndarray]:
    # 30% of labels flipped at random: only a memorizing model can fit them.
    x, y = make_classification(
        n_samples=600, n_features=5, n_informative=3, flip_y=0.3, random_state=0
    )
    return np.asarray(x), np.asarray(y)


def _evidence(target: Target, model: BaseEstimator, x: np.ndarray, y: np.ndarray) -> Evidence:
    method = "predict_proba" if target.is_classification else "predict"
    oof = cross_val_predict(model, x, y, cv=5, method=method)
    fitted = getattr(model.fit(x, y), method)(x)
    frame = pl.DataFrame({"x0": x[:, 0]})
    return Evidence(target=target, frame=frame, y=y, oof=oof, fitted=fitted)


def test_one_nearest_neighbour_on_noisy_labels_is_high_risk() -> None:
    x, y = _noisy_classification()
    risk = membership_risk(_evidence(BINARY, KNeighborsClassifier(n_neighbors=1), x, y))
    # 1-NN is certain everywhere: a member's loss is 0, a non-member's 0 or huge (its error).
    assert risk.auc > 0.6
    assert risk.level is RiskLevel.HIGH
    assert risk.advantage > 0.2
    assert risk.member_loss < risk.nonmember_loss
    assert risk.paired_share > 0.6
    assert risk.message.startswith("memorization risk is high:")


def test_regularized_model_is_low_risk() -> None:
    x, y = _noisy_classification()
    risk = membership_risk(_evidence(BINARY, LogisticRegression(C=0.05), x, y))
    assert 0.45 < risk.auc <= 0.55
    assert risk.level is RiskLevel.LOW
    assert risk.advantage < 0.15
    assert risk.facts() == {"membership_auc": risk.auc, "membership_advantage": risk.advantage}


def test_regression_uses_squared_error() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=2.0, size=400)
    memorizing = membership_risk(_evidence(REGRESSION, KNeighborsRegressor(n_neighbors=1), x, y))
    linear = membership_risk(_evidence(REGRESSION, Ridge(alpha=1.0), x, y))
    assert memorizing.loss == "squared_error"
    assert memorizing.auc > 0.9  # in-sample error is exactly zero
    assert linear.auc < 0.55


def test_only_rows_scored_out_of_fold_count() -> None:
    y = np.array([0, 1] * 10)
    fitted = np.column_stack([1 - y, y]).astype(float) * 0.8 + 0.1  # confident and right
    oof = np.full((20, 2), 0.5)
    oof[:4] = np.nan  # e.g. the earliest rows of time-ordered folds
    frame = pl.DataFrame({"x": range(20)})
    risk = membership_risk(Evidence(BINARY, frame, y, oof, fitted))
    assert risk.rows == 16
    assert risk.auc == 1.0
    assert risk.paired_share == 1.0


def test_identical_predictions_carry_no_signal() -> None:
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    pred = np.column_stack([np.linspace(0.2, 0.8, 8), np.linspace(0.8, 0.2, 8)])
    risk = membership_risk(Evidence(BINARY, pl.DataFrame({"x": range(8)}), y, pred, pred))
    assert risk.auc == 0.5
    assert risk.advantage == 0.0
    assert risk.paired_share == 0.5


def test_json_is_plain_and_rounded() -> None:
    risk = MembershipRisk(0.5812345, 0.1234567, 0.31234567, 0.41234567, 0.7012345, 1000, "log_loss")
    data = risk.to_json()
    assert data["auc"] == 0.5812
    assert data["member_loss"] == 0.3123
    assert data["level"] == "moderate"
    assert "AUC 0.58" in data["message"]
    assert "trained on fewer rows" in data["message"]


def test_evidence_without_scored_rows_is_refused() -> None:
    y = np.array([0, 1])
    pred = np.full((2, 2), np.nan)
    evidence = Evidence(BINARY, pl.DataFrame({"x": [1, 2]}), y, pred, pred)
    with pytest.raises(InputError, match="at least 2 rows for the membership test"):
        membership_risk(evidence)
