"""The value model's economics, break-even and double counting; the action; people's time."""

from __future__ import annotations

from typing import Any

import pytest

from modelward.errors import InputError
from modelward.spec import People, ValueModel, parse_spec


def spec(**extra: Any) -> dict[str, Any]:
    return {"name": "p", "task": "binary", "target": "churn", "positive_label": "Yes", **extra}


def test_economics_derive_the_payoff_matrix_and_break_even() -> None:
    value = ValueModel(cost_of_action=50, value_of_success=1200, success_rate=0.3)
    # Acting on a churner: 0.3 x 1,200 - 50; on a loyal customer: -50; not acting: 0.
    assert value.outcome_values() == pytest.approx((310, -50, 0, 0))
    assert value.break_even() == pytest.approx(50 / 360)
    assert value.double_counting() == ()
    assert value.is_outcomes
    assert value.from_economics


def test_a_loss_if_missed_prices_fraud_like_problems() -> None:
    value = ValueModel(cost_of_action=5, loss_if_missed=200, success_rate=0.9)
    # Blocking a fraud saves 90% of it; a missed one costs all of it.
    assert value.outcome_values() == pytest.approx((-5 - 0.1 * 200, -5, -200, 0))
    assert value.break_even() == pytest.approx(5 / (0.9 * 200))


def test_a_matrix_that_counts_one_outcome_twice_is_warned_about() -> None:
    value = ValueModel(true_positive=350, false_positive=-50, false_negative=-400, true_negative=0)
    (warning,) = value.double_counting()
    assert "true_positive (350)" in warning
    assert "false_negative (-400)" in warning
    assert "worth 750" in warning
    assert "cost_of_action, value_of_success and success_rate" in warning
    assert value.break_even() == pytest.approx(50 / 800)
    project = parse_spec(spec(value=value.model_dump(exclude_none=True)))
    assert project.warnings() == (warning,)
    fine = ValueModel(true_positive=-5, false_positive=-5, false_negative=-200, true_negative=0)
    assert fine.double_counting() == ()


def test_economics_that_count_twice_are_warned_about() -> None:
    value = ValueModel(cost_of_action=50, value_of_success=1200, success_rate=0.3, loss_if_missed=1)
    assert "value_of_success (1200) and loss_if_missed (1)" in value.double_counting()[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"true_positive": 350, "false_positive": -50, "false_negative": -400,
             "true_negative": 0, "strict": True},
            r"value: got .*counted twice.*\(refused: strict is true\)",
        ),
        (
            {"cost_of_action": 50, "value_of_success": 1200, "success_rate": 1.5},
            r"value.success_rate: got 1.5; expected input should be less than or equal to 1",
        ),
        (
            {"cost_of_action": -50, "value_of_success": 1200, "success_rate": 0.3},
            r"value.cost_of_action: got -50; expected input should be greater than or equal to 0",
        ),
        (
            {"cost_of_action": 50, "value_of_success": 1200},
            r"the economics need success_rate",
        ),
        (
            {"cost_of_action": 50, "success_rate": 0.3, "true_positive": 1},
            r"either the four outcome values or the economics, not both",
        ),
    ],
)  # fmt: skip
def test_bad_value_models_are_refused_naming_the_field(value: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_spec(spec(value=value))


def test_an_action_names_the_decision() -> None:
    project = parse_spec(spec(action={"name": "retention_offer"}))
    assert project.action is not None
    assert project.action.name == "retention_offer"
    assert not project.action.group_thresholds


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"name": "Yes"}, r"action.name: 'Yes' is also the positive class label"),
        ({"name": "none"}, r"'none' is the decision for rows not acted on"),
        ({"name": "two words"}, r"action.name: got 'two words'"),
        ({"name": "offer", "group_thresholds": True}, r"name the `sensitive` attributes"),
    ],
)
def test_bad_actions_are_refused(action: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_spec(spec(action=action))


def test_an_action_needs_a_binary_task() -> None:
    with pytest.raises(InputError, match="acts on binary tasks"):
        parse_spec({"name": "p", "task": "regression", "target": "y", "action": {"name": "buy"}})


def test_people_price_their_time() -> None:
    people = People.model_validate(
        {
            "hourly_rate": 90,
            "building": {"hours": 40},
            "reviewing": {"hours": 8, "hourly_rate": 120},
            "monitoring": {"hours": 4},
        }
    )
    assert people.per_version() == {"building": 3600, "reviewing": 960}
    assert people.per_month() == 360


def test_negative_hours_are_refused() -> None:
    with pytest.raises(InputError, match=r"people.building.hours: got -2; expected input should"):
        parse_spec(spec(people={"building": {"hours": -2}}))


def test_fairness_bounds_come_from_the_gates() -> None:
    gates = [
        "fairness.demographic_parity_difference <= 0.2",
        {"metric": "fairness.demographic_parity_difference", "max": 0.1},
        "fairness.equal_opportunity_difference <= 0.05",
        "fairness.female.demographic_parity_difference <= 0.01",  # one attribute: not a bound
        "roc_auc >= 0.8",
    ]
    bounds = parse_spec(spec(gates=gates)).fairness_bounds()
    assert bounds == {"demographic_parity_difference": 0.1, "equal_opportunity_difference": 0.05}


def test_fairness_gates_the_policy_cannot_be_held_to_are_warned_about() -> None:
    gates = [
        "fairness.equal_opportunity_difference <= 0.1",
        "fairness.demographic_parity_ratio >= 0.8",
    ]
    value = {"cost_of_action": 50, "value_of_success": 1200, "success_rate": 0.3}
    (warning,) = parse_spec(spec(gates=gates, value=value)).warnings()
    assert warning.startswith("gates: fairness.demographic_parity_ratio >= 0.8 are checked after")
    assert parse_spec(spec(gates=gates[:1], value=value)).warnings() == ()


def test_a_strict_bound_is_kept_below_its_value() -> None:
    bounds = parse_spec(
        spec(gates=["fairness.demographic_parity_difference < 0.1"])
    ).fairness_bounds()
    assert bounds["demographic_parity_difference"] < 0.1
    assert bounds["demographic_parity_difference"] == pytest.approx(0.1, abs=1e-5)
