"""Pricing decisions: binary outcomes, regression errors, and what is not priced, and why."""

from __future__ import annotations

import json

import polars as pl
import pytest

from modelward.ledger.value import Pricing, canonical, decisions, realized, roi
from modelward.spec.value import ValueModel

OUTCOMES = ValueModel(true_positive=10, false_positive=-1, false_negative=-5, true_negative=0)


def rows(pairs: list[tuple[object, object]]) -> pl.DataFrame:
    """`decision` as the log renders it and `label` as feedback stores it (JSON text)."""
    return pl.DataFrame(
        {
            "decision": [canonical(d) for d, _ in pairs],
            "label": [json.dumps(label) for _, label in pairs],
        },
        schema={"decision": pl.String, "label": pl.String},
    )


def test_boolean_labels_match_boolean_decisions() -> None:
    pricing = Pricing("binary", OUTCOMES, positive=True, classes=(False, True))
    found = realized(rows([(True, True), (True, False), (False, True), (False, False)]), pricing)
    assert found.outcomes == {
        "true_positive": 1,
        "false_positive": 1,
        "false_negative": 1,
        "true_negative": 1,
    }
    assert found.amount == pytest.approx(10 - 1 - 5 + 0)


def test_without_positive_label_the_second_class_is_positive() -> None:
    pricing = Pricing("binary", OUTCOMES, positive=None, classes=("stay", "leave"))
    found = realized(rows([("leave", "leave"), ("stay", "leave")]), pricing)
    assert found.amount == pytest.approx(10 - 5)
    assert "'leave'" in found.reason


def test_regression_errors_cost_per_unit() -> None:
    pricing = Pricing("regression", ValueModel(cost_per_unit_error=2.0, currency="EUR"))
    found = realized(rows([(10.0, 12.5), (3, 3), (7.0, 6.0), (1.0, "n/a")]), pricing)
    assert found.amount == pytest.approx(-2.0 * (2.5 + 0 + 1.0))
    assert found.mean_abs_error == pytest.approx(3.5 / 3)
    assert (found.decisions, found.skipped, found.currency) == (3, 1, "EUR")
    # without a model: the outcomes' mean (7.1667) for every row, |error| 5.333 + 4.1667 + 1.1667
    assert found.without_model == pytest.approx(-2.0 * (12.5 - 43 / 6 + 43 / 6 - 3 + 43 / 6 - 6))
    assert found.amount is not None
    assert found.without_model is not None
    assert found.incremental == pytest.approx(found.amount - found.without_model)


def test_decisions_named_by_the_action_are_acted_on() -> None:
    pricing = Pricing("binary", OUTCOMES, positive="Yes", classes=("No", "Yes"), action="offer")
    pairs: list[tuple[object, object]] = [
        ("offer", "Yes"),
        ("offer", "No"),
        ("none", "Yes"),
        ("Yes", "Yes"),
    ]
    found = realized(rows(pairs), pricing)
    # "Yes" is a decision logged before actions were named: acted on as well
    assert found.outcomes == {
        "true_positive": 2,
        "false_positive": 1,
        "false_negative": 1,
        "true_negative": 0,
    }


@pytest.mark.parametrize(
    ("pricing", "why"),
    [
        (Pricing("multiclass", OUTCOMES), "this is a multiclass model"),
        (Pricing("binary", None), "no value model"),
        (Pricing("regression", OUTCOMES), "does not fit a regression model"),
        (Pricing("binary", OUTCOMES, positive=None, classes=()), "no positive class"),
    ],
)
def test_what_cannot_be_priced_says_why(pricing: Pricing, why: str) -> None:
    found = realized(rows([("a", "a")]), pricing)
    assert found.amount is None
    assert not found.priced
    assert why in found.reason


def test_shadow_rows_and_rows_without_an_outcome_are_left_out() -> None:
    log = pl.DataFrame(
        {
            "request_id": ["a", "a", "b", "c"],
            "route": ["primary", "shadow", "canary", "primary"],
            "model": ["m/v1", "m/v2", "m/v2", "m/v1"],
            "prediction": [
                '{"prediction": "Yes", "proba": {"No": 0.1, "Yes": 0.9}}',
                '{"prediction": "No"}',
                '{"prediction": 4.5}',
                '{"prediction": "No"}',
            ],
            "inputs": ['{"x": 1}', '{"x": 1}', '{"x": 2}', '{"x": 3}'],
        }
    )
    labels = pl.DataFrame({"request_id": ["a", "b"], "label": ['"Yes"', "5"]})
    found = decisions(log, labels).sort("model")
    assert found.rows() == [("m/v1", "Yes", '"Yes"', '{"x": 1}'), ("m/v2", "4.5", "5", '{"x": 2}')]


def test_roi_needs_a_value_and_a_cost() -> None:
    found = roi(30.0, 10.0, currency="USD")
    assert found.value == pytest.approx(2.0)
    assert found.note == "ROI 200%: 30.00 USD of value against 10.00 USD of cost"
    assert roi(None, 10.0, currency="USD", why_no_value="because").note == (
        "ROI not computed: because"
    )
    free = roi(30.0, 0.0, currency="USD")
    assert free.value is None
    assert "no cost is recorded" in free.note
    tiny = roi(1_000_000.0, 0.01, currency="USD")
    assert tiny.negligible
    assert tiny.note.startswith("cost is negligible (0.01 USD against 1,000,000 USD of value)")
