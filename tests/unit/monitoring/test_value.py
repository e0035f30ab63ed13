"""Live decisions judged by their business outcome against what the evaluation expected."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from modelward.model.report import EvaluationReport
from modelward.monitoring.expected import Expected
from modelward.monitoring.health import Severity
from modelward.monitoring.value import value_finding
from modelward.spec import parse_spec
from modelward.spec.model import Task
from modelward.training.target import Target

SPEC = parse_spec(
    {
        "name": "churn",
        "task": "binary",
        "target": "churn",
        "positive_label": "Yes",
        "action": {"name": "offer"},
        # acting on a churner: 0.5 x 100 - 10 = 40; on a loyal customer: -10
        "value": {"cost_of_action": 10, "value_of_success": 100, "success_rate": 0.5},
    }
)
TARGET = Target("churn", Task.BINARY, ("No", "Yes"))


def expected(gain: float = 5_000.0, degenerate: str | None = None) -> Expected:
    return Expected(gain, 20_000.0, "everyone", "offer", degenerate)


def decided(pairs: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "decision": [d for d, _ in pairs],
            "label": [y for _, y in pairs],
            "inputs": [json.dumps({"tenure": 1})] * len(pairs),
        }
    )


def test_a_good_policy_realizes_more_than_acting_on_everyone() -> None:
    # 100 churners offered (+40 each), 100 loyal not offered (0; everyone would pay -10 each)
    rows = decided([("offer", "Yes")] * 100 + [("none", "No")] * 100)
    found = value_finding(rows, SPEC, TARGET, expected(), min_rows=50)
    assert found is not None
    assert found.severity is Severity.OK
    assert found.value == pytest.approx(5_000)  # (0 - (-10)) x 100 / 200 rows, per 1,000
    assert found.message.startswith(
        "decisions realized 20,000 USD per 1,000 on 200 labelled requests (the evaluation "
        "expected 20,000)"
    )
    assert "5,000 more than act on everyone would have" in found.message


def test_losing_money_against_no_model_is_critical() -> None:
    # offers go to the loyal customers and churners are missed
    rows = decided([("none", "Yes")] * 100 + [("offer", "No")] * 100)
    found = value_finding(rows, SPEC, TARGET, expected(), min_rows=50)
    assert found is not None
    assert found.severity is Severity.CRITICAL
    assert "loses money against act on everyone" in found.message


def test_below_the_expectation_is_a_warning() -> None:
    rows = decided([("offer", "Yes")] * 100 + [("none", "No")] * 100)
    found = value_finding(rows, SPEC, TARGET, expected(gain=9_000.0), min_rows=50)
    assert found is not None
    assert found.severity is Severity.WARNING
    assert "below what the evaluation expected" in found.message


def test_a_degenerate_policy_is_never_ok() -> None:
    rows = decided([("offer", "Yes")] * 100 + [("none", "No")] * 100)
    found = value_finding(
        rows, SPEC, TARGET, expected(degenerate="no better than act on everyone"), min_rows=50
    )
    assert found is not None
    assert found.severity is Severity.WARNING
    assert found.message.endswith("the approved policy is no better than act on everyone")


def test_labels_outside_the_classes_and_the_incumbent_rule() -> None:
    rule = {"cases": [{"when": {"tenure": "< 12"}, "then": "Yes"}], "otherwise": "No"}
    spec = parse_spec({**SPEC.to_json(), "incumbent": rule})
    rows = decided([("offer", "Yes")] * 100 + [("none", "No")] * 100 + [("none", "Maybe")] * 9)
    by_rule = Expected(0.0, 20_000.0, "incumbent", "offer", None)
    found = value_finding(rows, spec, TARGET, by_rule, min_rows=50)
    assert found is not None
    # every request has tenure 1: the rule acts on all, as acting on everyone would
    assert "on 200 labelled requests" in found.message
    assert "more than the incumbent rule would have" in found.message


def test_too_few_labels_or_no_value_model_are_not_judged() -> None:
    few = value_finding(decided([("offer", "Yes")] * 10), SPEC, TARGET, expected(), min_rows=50)
    assert few is not None
    assert few.severity is Severity.NOT_JUDGED
    assert "10 labelled decisions (at least 50)" in few.message
    worrying = expected(degenerate="no better than act on everyone")
    early = value_finding(decided([("offer", "Yes")] * 10), SPEC, TARGET, worrying, min_rows=50)
    assert early is not None
    assert early.severity is Severity.WARNING  # degenerate whatever the labels will say
    plain = parse_spec({"name": "p", "task": "binary", "target": "churn"})
    assert value_finding(decided([]), plain, TARGET, expected(), min_rows=50) is None


def test_the_expectation_is_read_from_the_report() -> None:
    report: dict[str, Any] = {
        "policy": {"act": "offer", "threshold": 0.2},
        "value": {
            "gain_per_1000": 1234.5,
            "model": {"value_per_1000": 9000.0},
            "decision": {"reference_key": "incumbent", "degenerate": None},
        },
    }
    found = Expected.of(EvaluationReport.from_json(report))
    assert found == Expected(1234.5, 9000.0, "incumbent", "offer", None)
    assert found.reference_name == "the incumbent rule"
    assert Expected.of(EvaluationReport.from_json({"value": None})) is None
