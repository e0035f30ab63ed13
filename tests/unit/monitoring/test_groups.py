"""Fairness on live decisions: parity measured exactly, outcome gaps estimated, bounds alert."""

from __future__ import annotations

import numpy as np
import pytest

from modelward.monitoring.groups import decided, fairness_findings
from modelward.monitoring.health import Severity
from modelward.spec import parse_spec
from modelward.spec.model import ProjectSpec

BASE = {"name": "churn", "task": "binary", "target": "churn", "sensitive": ["senior"]}


def spec(bound: float | None = None, metric: str = "equal_opportunity_difference") -> ProjectSpec:
    gates = [] if bound is None else [{"metric": f"fairness.{metric}", "max": bound}]
    return parse_spec({**BASE, "gates": gates})


def rows(seniors: int, others: int) -> list[dict[str, object]]:
    senior: dict[str, object] = {"senior": 1}
    other: dict[str, object] = {"senior": 0.0}  # numbers as JSON clients send them
    unknown: dict[str, object] = {"senior": None}
    return [senior] * seniors + [other] * others + [unknown] * 5


def test_demographic_parity_is_the_spread_of_acted_on_shares() -> None:
    inputs = rows(100, 100)
    acted = np.array([True] * 60 + [False] * 40 + [True] * 30 + [False] * 70 + [True] * 5)
    served = decided(inputs, acted, np.zeros(len(acted)), ["senior"], labelled=False)
    (found,) = fairness_findings(served, None, spec())
    assert found.subject == "demographic_parity_difference by senior"
    assert found.value == pytest.approx(0.30)  # 60% of seniors, 30% of the others
    assert found.severity is Severity.OK  # no bound in the spec: information
    assert "senior=0 30%, senior=1 60%" in found.message


@pytest.mark.parametrize(("bound", "severity"), [(0.5, "ok"), (0.2, "warning"), (0.1, "critical")])
def test_an_outcome_gap_past_the_bound_alerts(bound: float, severity: str) -> None:
    inputs = rows(100, 100)
    acted = np.array([True] * 80 + [False] * 20 + [True] * 50 + [False] * 50 + [False] * 5)
    # Calibrated chances: every row has a 50% chance of churning.
    outcomes = decided(inputs, acted, np.full(len(acted), 0.5), ["senior"], labelled=False)
    served = decided(inputs, acted, np.zeros(len(acted)), ["senior"], labelled=False)
    (found,) = fairness_findings(served, outcomes, spec(bound))
    assert found.value == pytest.approx(0.30)
    assert found.severity.value == severity
    assert "estimated without labels" in found.message


def test_small_groups_and_attributes_nobody_sends_are_not_judged() -> None:
    small = decided(
        rows(10, 100), np.ones(115, dtype=bool), np.zeros(115), ["senior"], labelled=True
    )
    (found,) = fairness_findings(small, small, spec(0.1))
    assert found.severity is Severity.NOT_JUDGED
    absent = decided([{}] * 50, np.ones(50, dtype=bool), np.zeros(50), ["senior"], labelled=True)
    assert fairness_findings(absent, absent, spec(0.1)) == []
    (waiting,) = fairness_findings(
        decided(
            rows(100, 100), np.ones(205, dtype=bool), np.zeros(205), ["senior"], labelled=False
        ),
        None,
        spec(0.1),
    )
    assert "no labels or calibration yet" in waiting.message
