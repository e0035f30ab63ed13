"""Business value, the decision policy and returns, on cases computed by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.evaluation.policies import Constraints, Judged, choose_policy
from modelward.evaluation.policy_grid import values_at
from modelward.evaluation.value import Costs, business_value
from modelward.spec.model import IncumbentRule, Task
from modelward.spec.value import ValueModel
from modelward.training.evidence import Evidence
from modelward.training.target import Target

# Ten rows. Sorted by probability: 0.9 y1, 0.8 y1, 0.7 y0, 0.6 y1, 0.4 y0, 0.35 y1, 0.3 y0, ...
Y = np.array([1, 1, 1, 0, 0, 0, 0, 1, 0, 0])
P = np.array([0.9, 0.8, 0.35, 0.7, 0.2, 0.1, 0.4, 0.6, 0.3, 0.05])
MONEY = ValueModel(true_positive=100, false_positive=-20, false_negative=-50, true_negative=0)
TARGET = Target("y", Task.BINARY, (0, 1))


def proba(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def binary_evidence(
    y: np.ndarray, p: np.ndarray, baselines: dict[str, np.ndarray] | None = None
) -> Evidence:
    frame = pl.DataFrame({"y": y})
    return Evidence(TARGET, frame, y, proba(p), proba(p), baselines or {})


def test_value_at_thresholds_by_hand() -> None:
    # At 0.5: TP 3 (0.9, 0.8, 0.6), FP 1 (0.7), FN 1 (0.35), TN 5: 300 - 20 - 50 = 230 over 10.
    found = values_at(Y, P, np.array([0.5, np.inf, -np.inf]), MONEY.outcome_values())
    assert found == pytest.approx([23.0, -20.0, 28.0])  # nobody: 4 FN; everyone: 400 - 120


def test_the_most_valuable_threshold_and_the_policies_without_a_model() -> None:
    choice = choose_policy(Judged(Y, P, None), MONEY, TARGET)
    # At 0.35 all four positives are taken with two false positives: 400 - 40 = 360 over 10.
    assert choice.chosen.threshold == pytest.approx(0.35)
    assert choice.chosen.value_per_1000 == pytest.approx(36_000)
    assert choice.chosen.acted_share == pytest.approx(0.6)
    names = [o.name for o in choice.options]
    assert names == ["best threshold", "act on everyone", "act on nobody"]
    assert choice.reference.name == "act on everyone"  # 28,000 beats -20,000
    assert choice.gain_per_1000 == pytest.approx(8_000)
    # Perfect decisions: 4 x 100 = 400 over 10 rows; the model earns 8 of the 12 it could add.
    assert choice.perfect_per_1000 == pytest.approx(40_000)
    assert choice.capture == pytest.approx(8 / 12)
    assert choice.degenerate is None
    # Acting pays when 100 p - 20 (1 - p) >= -50 p: p >= 20 / 170.
    assert choice.break_even == pytest.approx(20 / 170)


def test_business_value_by_hand() -> None:
    prior = proba(np.full(10, 0.4))  # a constant: acts on everyone or on nobody
    evidence = binary_evidence(Y, P, {"prior": prior})
    costs = Costs("USD", {"training": 10.0, "people: building": 30.0})
    value = business_value(evidence, MONEY, costs=costs)
    assert value.model.value_per_1000 == pytest.approx(36_000)
    assert value.reference.name == "act on everyone"
    assert value.best_baseline is not None
    assert value.best_baseline.value_per_1000 == pytest.approx(28_000)
    assert value.baseline_gain is not None
    assert value.baseline_gain.estimate == pytest.approx(8_000)
    # 8 per decision x 10 decisions a year (the rows, assumed) x 1 year = 80; (80 - 40) / 40.
    assert value.value_over_horizon == pytest.approx(80.0)
    assert value.roi == pytest.approx(1.0)
    assert value.returns.sentence == "ROI 100%: 80.00 USD of value against 40.00 USD of cost"
    assert "assumed 10 decisions a year: set value.decisions_per_year" in value.assumptions
    facts = value.facts()
    assert facts["value_per_1000"] == pytest.approx(36_000)
    assert facts["value_gain_per_1000"] == pytest.approx(8_000)
    assert facts["roi"] == pytest.approx(1.0)
    assert facts["best_threshold"] == pytest.approx(0.35)
    assert facts["policy_degenerate"] == 0.0
    assert value.to_json()["reference"] == {
        "name": "act on everyone",
        "value_per_1000": 28_000.0,
        "threshold": None,
        "acted_share": 1.0,
    }


def test_negligible_cost_is_said_in_words() -> None:
    money = MONEY.model_copy(update={"decisions_per_year": 1_000_000})
    value = business_value(binary_evidence(Y, P), money, costs=Costs("USD", {"training": 0.01}))
    assert value.roi is not None
    assert value.roi > 1e6
    assert value.returns.negligible
    assert value.returns.sentence == (
        "cost is negligible (0.01 USD against 8,000,000 USD of value); value 8,000,000 USD per year"
    )
    assert "cost is negligible" in value.summary


def test_without_costs_there_is_no_roi() -> None:
    value = business_value(binary_evidence(Y, P), MONEY)
    assert value.roi is None
    assert "ROI not computed: the costs are unknown" in value.assumptions
    costly = ValueModel(true_positive=10, false_positive=-100, false_negative=0, true_negative=0)
    nobody = business_value(binary_evidence(Y, P), costly, costs=Costs("USD", {}))
    assert nobody.reference.name == "act on nobody"
    assert nobody.roi is None
    assert "no cost is recorded" in nobody.returns.sentence


def bounded_case() -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
    # Group a: 40 positives scored 0.5-0.9. Group b: 40 negatives scored 0.1-0.45.
    p = np.concatenate([np.linspace(0.5, 0.9, 40), np.linspace(0.1, 0.45, 40)])
    y = np.array([1] * 40 + [0] * 40)
    return y, p, pl.DataFrame({"g": ["a"] * 40 + ["b"] * 40})


def test_a_parity_bound_changes_the_threshold_and_costs_money() -> None:
    y, p, frame = bounded_case()
    money = ValueModel(true_positive=100, false_positive=-100, false_negative=-10, true_negative=0)
    judged = Judged.of(frame, y, p, ("g",))
    limits = Constraints({"demographic_parity_difference": 0.12})
    choice = choose_policy(judged, money, TARGET, constraints=limits)
    assert choice.unbounded.threshold == pytest.approx(0.5)  # every positive, no negative
    assert choice.unbounded.gaps["demographic_parity_difference"] == pytest.approx(1.0)
    assert not choice.unbounded.within_bounds
    # Within 0.12, b must be selected at 36 of 40 (0.9): the 36 highest b rows, from p_b[4].
    assert choice.chosen.name == "best threshold within the bounds"
    assert choice.chosen.threshold == pytest.approx(np.linspace(0.1, 0.45, 40)[4])
    assert choice.chosen.gaps["demographic_parity_difference"] == pytest.approx(0.1)
    assert choice.chosen.value_per_1000 == pytest.approx(1000 * (4000 - 3600) / 80)
    assert choice.fairness_cost_per_1000 == pytest.approx(50_000 - 5_000)
    # It acts on 95% and adds 5,000 over everyone's -40,000 of the 95,000 it could add.
    assert choice.degenerate is not None
    assert choice.degenerate.startswith("no better than act on everyone: it decides as")


def test_per_group_thresholds_only_where_the_spec_allows_them() -> None:
    # Group b scores lower than a throughout: a 0.7-0.9 positives, 0.4-0.6 negatives; b
    # 0.3-0.5 positives, 0.0-0.2 negatives. One threshold selects the groups at equal rates
    # only near everyone or nobody; one per group takes every positive and no negative.
    spans = ((0.7, 0.9), (0.4, 0.6), (0.3, 0.5), (0.0, 0.2))
    p = np.concatenate([np.linspace(low, high, 20) for low, high in spans])
    y = np.array(([1] * 20 + [0] * 20) * 2)
    frame = pl.DataFrame({"g": ["a"] * 40 + ["b"] * 40})
    judged = Judged.of(frame, y, p, ("g",))
    bounds = {"demographic_parity_difference": 0.1}
    plain = choose_policy(judged, MONEY, TARGET, constraints=Constraints(bounds))
    assert "per-group thresholds" not in [o.name for o in plain.options]
    allowed = Constraints(bounds, group_thresholds=True)
    choice = choose_policy(judged, MONEY, TARGET, constraints=allowed)
    grouped = choice.chosen
    assert grouped.name == "per-group thresholds"
    assert grouped.rule is not None
    assert grouped.rule.columns == ("g",)
    assert grouped.rule.thresholds == {"a": pytest.approx(0.7), "b": pytest.approx(0.3)}
    assert grouped.gaps["demographic_parity_difference"] == 0.0
    # Every positive and no negative: 40 x 100 over 80 rows.
    assert grouped.value_per_1000 == pytest.approx(50_000)
    assert plain.chosen.value_per_1000 < grouped.value_per_1000


def test_the_incumbent_rule_is_priced_beside_the_model() -> None:
    frame = pl.DataFrame({"score": P})
    rule = IncumbentRule(cases=({"when": {"score": ">= 0.75"}, "then": 1},), otherwise=0)
    judged = Judged.of(frame, Y, P)
    choice = choose_policy(judged, MONEY, TARGET, constraints=Constraints(incumbent=rule))
    incumbent = next(o for o in choice.options if o.name == "the incumbent rule")
    # Acts on 0.9 and 0.8 (both positive): 200 - 2 x 50 = 100 over 10 rows.
    assert incumbent.kind == "no_model"
    assert incumbent.value_per_1000 == pytest.approx(10_000)
    assert choice.reference.name == "act on everyone"


def test_a_policy_near_a_no_model_policy_is_degenerate() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.5).astype(int)
    noise = rng.random(2000)  # a model that knows nothing
    money = ValueModel(true_positive=100, false_positive=-10, false_negative=0, true_negative=0)
    choice = choose_policy(Judged(y, noise, None), money, TARGET)
    assert choice.degenerate is not None
    assert "act on everyone" in choice.degenerate
    assert choice.facts()["policy_degenerate"] == 1.0


def test_regression_value_by_hand() -> None:
    y = np.array([10.0, 12.0, 14.0, 20.0])
    pred = np.array([11.0, 12.0, 13.0, 22.0])  # MAE 1
    prior = np.full(4, 15.0)  # MAE (5 + 3 + 1 + 5) / 4 = 3.5
    evidence = Evidence(
        Target("y", Task.REGRESSION), pl.DataFrame({"y": y}), y, pred, pred, {"prior": prior}
    )
    money = ValueModel(cost_per_unit_error=5.0, decisions_per_year=100)
    value = business_value(evidence, money, costs=Costs("USD", {"training": 100.0}))
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


def test_costs_in_another_currency_leave_roi_out() -> None:
    value = business_value(binary_evidence(Y, P), MONEY, costs=Costs("EUR", {"training": 1.0}))
    assert value.roi is None
    assert "value in USD, costs in EUR" in value.returns.sentence


def test_bad_inputs_are_refused() -> None:
    evidence = binary_evidence(Y, P)
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


def test_when_acting_never_pays_the_policy_acts_on_no_row_and_says_so() -> None:
    # An offer costs 100 and keeps half of the churners worth 50: acting never pays.
    money = ValueModel(cost_of_action=100, value_of_success=50, success_rate=0.5)
    assert money.break_even() is None
    assert money.acting_pays() == "acting never pays"
    choice = choose_policy(Judged(Y, P), money, TARGET)
    assert choice.chosen.threshold is not None
    assert choice.chosen.threshold > 1
    assert choice.chosen.acted_share == 0.0
    assert choice.chosen.to_json()["acts_on_no_row"] is True
    assert choice.chosen.to_json()["threshold"] == 1.0
    # Doing nothing is perfect here: the model adds nothing, and that is said.
    assert choice.degenerate == (
        "no better than the policy without a model (act on nobody): it already decides as "
        "well as knowing every outcome would"
    )


def test_when_acting_always_pays_the_policy_acts_on_every_row() -> None:
    money = ValueModel(cost_of_action=0, value_of_success=100, success_rate=0.5)
    assert money.break_even() == 0.0
    assert money.acting_pays() == "acting always pays"
    choice = choose_policy(Judged(Y, P), money, TARGET)
    # Acting on a loyal customer costs nothing: every threshold that takes all four churners
    # earns the same as acting on everyone, so the model adds nothing.
    assert choice.chosen.value_per_1000 == pytest.approx(20_000)
    assert choice.reference.value_per_1000 == pytest.approx(20_000)
    assert choice.degenerate is not None
    assert choice.degenerate.startswith("no better than the policy without a model")


def test_bounds_hold_for_every_attribute_not_only_their_intersection() -> None:
    # Three attributes over 120 rows: intersections of 15 rows are too small to judge, so an
    # intersection-only check would see no gap at all; `sex` alone is judged and is biased.
    rng = np.random.default_rng(3)
    n = 120
    sex = np.array(["f", "m"] * (n // 2))
    frame = pl.DataFrame(
        {"sex": sex, "age": rng.choice(["young", "old"], n), "area": rng.choice(["a", "b"], n)}
    )
    p = np.where(sex == "m", rng.uniform(0.5, 1.0, n), rng.uniform(0.0, 0.5, n))
    y = (rng.random(n) < p).astype(int)
    judged = Judged.of(frame, y, p, ("sex", "age", "area"))
    assert len(judged.groupings) == 7  # 3 attributes, 3 pairs, 1 triple
    limits = Constraints({"demographic_parity_difference": 0.1})
    choice = choose_policy(judged, MONEY, TARGET, constraints=limits)
    assert choice.chosen.within_bounds
    by_sex = [choice.chosen.acted[sex == s].mean() for s in ("f", "m")]
    assert abs(by_sex[0] - by_sex[1]) <= 0.1 + 1e-9
