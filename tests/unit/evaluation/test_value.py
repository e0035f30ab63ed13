"""Business value, the decision threshold and ROI, on cases computed by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.evaluation.threshold import best_threshold, choose_threshold, value_per_decision
from modelward.evaluation.value import business_value
from modelward.spec.model import Task, ValueModel
from modelward.training.evidence import Evidence
from modelward.training.target import Target

# Ten rows. Sorted by probability: 0.9 y1, 0.8 y1, 0.7 y0, 0.6 y1, 0.4 y0, 0.35 y1, 0.3 y0, ...
Y = np.array([1, 1, 1, 0, 0, 0, 0, 1, 0, 0])
P = np.array([0.9, 0.8, 0.35, 0.7, 0.2, 0.1, 0.4, 0.6, 0.3, 0.05])
MONEY = ValueModel(true_positive=100, false_positive=-20, false_negative=-50, true_negative=0)


def proba(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def binary_evidence(
    y: np.ndarray, p: np.ndarray, baselines: dict[str, np.ndarray] | None = None
) -> Evidence:
    frame = pl.DataFrame({"y": y})
    target = Target("y", Task.BINARY, (0, 1))
    return Evidence(target, frame, y, proba(p), proba(p), baselines or {})


def test_value_at_a_threshold_by_hand() -> None:
    # At 0.5: TP 3 (0.9, 0.8, 0.6), FP 1 (0.7), FN 1 (0.35), TN 5: 300 - 20 - 50 = 230 over 10.
    assert value_per_decision(Y, P, MONEY, 0.5) == pytest.approx(23.0)
    assert value_per_decision(Y, P, MONEY, float("inf")) == pytest.approx(-20.0)  # 4 FN
    assert value_per_decision(Y, P, MONEY, float("-inf")) == pytest.approx(28.0)  # 400 - 120


def test_best_threshold_by_hand() -> None:
    # At 0.35 all four positives are taken with two false positives: 400 - 40 = 360 over 10.
    search = best_threshold(Y, P, MONEY)
    assert search.threshold == pytest.approx(0.35)
    assert search.value_per_1000 == pytest.approx(36_000)
    assert search.feasible
    assert (
        search.sentence
        == "threshold 0.350 maximizes expected value: 36,000 USD per 1,000 decisions"
    )


def test_business_value_by_hand() -> None:
    prior = proba(np.full(10, 0.4))  # a constant: acts on everyone at its only threshold
    evidence = binary_evidence(Y, P, {"prior": prior})
    value = business_value(evidence, MONEY, training_cost=40.0)
    assert value.model.value_per_1000 == pytest.approx(36_000)
    # Acting on everyone (28,000) beats acting on nobody (-20,000): it is the reference.
    assert value.reference.name == "act on everyone"
    assert value.gain_per_1000 == pytest.approx(8_000)
    assert value.best_baseline is not None
    assert value.best_baseline.value_per_1000 == pytest.approx(28_000)
    # 8 per decision x 10 decisions a year (the rows, assumed) x 1 year = 80; (80 - 40) / 40.
    assert value.value_over_horizon == pytest.approx(80.0)
    assert value.roi == pytest.approx(1.0)
    assert "assumed 10 decisions a year: set value.decisions_per_year" in value.assumptions
    assert value.facts() == pytest.approx(
        {"value_per_1000": 36_000, "value_gain_per_1000": 8_000, "roi": 1.0, "best_threshold": 0.35}
    )
    assert value.to_json()["reference"] == {
        "name": "act on everyone",
        "value_per_1000": 28_000.0,
        "threshold": None,
    }


def test_given_threshold_and_volume() -> None:
    money = MONEY.model_copy(update={"decisions_per_year": 1000, "horizon_years": 2})
    value = business_value(binary_evidence(Y, P), money, threshold=0.5)
    assert value.model.value_per_1000 == pytest.approx(23_000)
    # (23 - 28) per decision x 1,000 a year x 2 years.
    assert value.value_over_horizon == pytest.approx(-10_000)
    assert value.roi is None
    assert "ROI not computed: the training cost is unknown" in value.assumptions
    assert "5,000 less than without a model (act on everyone)" in value.summary
    assert value.summary.endswith("10,000 USD lost over 2 year(s)")


def test_acting_on_nobody_can_be_the_reference() -> None:
    costly = ValueModel(true_positive=10, false_positive=-100, false_negative=0, true_negative=0)
    value = business_value(binary_evidence(Y, P), costly, training_cost=0.0)
    assert value.reference.name == "act on nobody"
    assert value.reference.value_per_1000 == 0.0
    assert value.roi is None
    assert any("training cost is 0" in a for a in value.assumptions)


def test_fairness_bound_changes_the_threshold() -> None:
    # Group a: 40 positives scored 0.5-0.9. Group b: 40 negatives scored 0.1-0.45.
    p_a, p_b = np.linspace(0.5, 0.9, 40), np.linspace(0.1, 0.45, 40)
    y = np.array([1] * 40 + [0] * 40)
    p = np.concatenate([p_a, p_b])
    groups = np.array(["a"] * 40 + ["b"] * 40)
    money = ValueModel(true_positive=100, false_positive=-100, false_negative=-10, true_negative=0)
    free = best_threshold(y, p, money, groups=groups)
    assert free.threshold == pytest.approx(0.5)  # every positive, no negative: parity gap 1
    assert free.demographic_parity_difference == pytest.approx(1.0)
    # Within 0.12, b must be selected at 36 of 40 (0.9): the 36 highest b rows, from p_b[4].
    bounded = best_threshold(y, p, money, fairness_bound=0.12, groups=groups)
    assert bounded.threshold == pytest.approx(p_b[4])
    assert bounded.demographic_parity_difference == pytest.approx(0.1)
    assert bounded.value_per_1000 == pytest.approx(1000 * (4000 - 3600) / 80)
    assert bounded.feasible
    assert "within the parity bound 0.12" in bounded.sentence
    assert "unbounded, 0.500 would earn 50,000" in bounded.sentence


def test_a_bound_needs_groups() -> None:
    with pytest.raises(InputError, match=r"groups: got 'none or the wrong length'"):
        best_threshold(Y, P, MONEY, fairness_bound=0.1)
    with pytest.raises(InputError, match=r"fairness_bound: got 2.0; expected a difference"):
        best_threshold(Y, P, MONEY, fairness_bound=2.0, groups=Y)


def test_many_probabilities_use_a_grid() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(5000)
    y = (rng.random(5000) < p).astype(int)
    search = best_threshold(y, p, MONEY)
    assert search.threshold * 1000 == pytest.approx(round(search.threshold * 1000))
    # Calibrated scores: act when 100 p - 20 (1 - p) > -50 p, p > 20 / 170.
    assert search.threshold == pytest.approx(20 / 170, abs=0.06)


def test_choose_threshold() -> None:
    evidence = binary_evidence(Y, P)
    chosen = choose_threshold(evidence, MONEY)
    assert chosen.value == pytest.approx(0.35)
    assert chosen.chosen_by == "value"
    default = choose_threshold(evidence, None)
    assert (default.value, default.chosen_by) == (0.5, "default")
    assert "no value model" in default.sentence
    assert default.to_json()["chosen_by"] == "default"


def test_regression_value_by_hand() -> None:
    y = np.array([10.0, 12.0, 14.0, 20.0])
    pred = np.array([11.0, 12.0, 13.0, 22.0])  # MAE 1
    prior = np.full(4, 15.0)  # MAE (5 + 3 + 1 + 5) / 4 = 3.5
    evidence = Evidence(
        Target("y", Task.REGRESSION), pl.DataFrame({"y": y}), y, pred, pred, {"prior": prior}
    )
    money = ValueModel(cost_per_unit_error=5.0, decisions_per_year=100)
    value = business_value(evidence, money, training_cost=100.0)
    assert value.model.value_per_1000 == pytest.approx(-5_000)
    assert value.reference.value_per_1000 == pytest.approx(-17_500)
    assert value.gain_per_1000 == pytest.approx(12_500)
    # 12.5 per prediction x 100 a year = 1,250 over one year; (1,250 - 100) / 100.
    assert value.roi == pytest.approx(11.5)
    assert "best_threshold" not in value.facts()
    assert value.summary.startswith("the model's errors cost 5,000 USD per 1,000 predictions")


def test_regression_without_prior_predicts_the_mean() -> None:
    y = np.array([10.0, 12.0, 14.0, 20.0])  # mean 14: MAE (4 + 2 + 0 + 6) / 4 = 3
    evidence = Evidence(Target("y", Task.REGRESSION), pl.DataFrame({"y": y}), y, y + 1, y + 1)
    value = business_value(evidence, ValueModel(cost_per_unit_error=2.0))
    assert value.reference.value_per_1000 == pytest.approx(-6_000)
    assert value.best_baseline is None


def test_bad_inputs_are_refused() -> None:
    evidence = binary_evidence(Y, P)
    with pytest.raises(InputError, match=r"training_cost: got -1.0; expected an amount in USD"):
        business_value(evidence, MONEY, training_cost=-1.0)
    with pytest.raises(InputError, match=r"value: got 'cost_per_unit_error only'"):
        business_value(evidence, ValueModel(cost_per_unit_error=1.0))
    y = np.array([0, 1, 2] * 10)
    multi = Evidence(
        Target("y", Task.MULTICLASS, (0, 1, 2)),
        pl.DataFrame({"y": y}),
        y,
        np.eye(3)[y],
        np.eye(3)[y],
    )
    with pytest.raises(InputError, match=r"value: got 'a multiclass task'"):
        business_value(multi, MONEY)
