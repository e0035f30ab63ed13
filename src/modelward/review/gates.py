"""Policy gates: the spec's success criteria checked against a model's facts.

A fact is a number the evaluation (or the audit of the training data) measured: `roc_auc`,
`fairness.demographic_parity_difference`, `membership_auc`, `roi`, `audit_errors`, or a yes/no
fact such as `beats_baseline` stored as 1 or 0. A gate whose fact was not measured fails: a
check nobody ran is not a check that passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelward.spec import Gate


@dataclass(frozen=True)
class GateResult:
    gate: str
    fact: str
    value: float | None
    passed: bool
    reason: str
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "fact": self.fact,
            "value": self.value,
            "passed": self.passed,
            "reason": self.reason,
            "description": self.description,
        }


@dataclass(frozen=True)
class GateReport:
    results: tuple[GateResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def summary(self) -> str:
        if not self.results:
            return "no gates in the spec"
        if self.passed:
            return f"all {len(self.results)} gate(s) pass"
        return "; ".join(r.reason for r in self.failed)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "summary": self.summary(),
            "results": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GateReport:
        return cls(tuple(GateResult(**r) for r in data.get("results", ())))


def check_gates(gates: Sequence[Gate], facts: Mapping[str, float]) -> GateReport:
    """Each gate's pass/fail with the value it saw and, when it fails, why."""
    return GateReport(tuple(_check(gate, facts) for gate in gates))


def _check(gate: Gate, facts: Mapping[str, float]) -> GateResult:
    value = facts.get(gate.metric)
    if value is None:
        reason = f"{gate.text}: not measured (no fact {gate.metric!r} in the evaluation)"
        return GateResult(gate.text, gate.metric, None, False, reason, gate.description)
    passed = _within(gate, value)
    verdict = "passes" if passed else "fails"
    reason = f"{gate.text}: {verdict} with {_show(value)}"
    return GateResult(gate.text, gate.metric, value, passed, reason, gate.description)


def _within(gate: Gate, value: float) -> bool:
    exact = gate.min is not None and gate.min == gate.max
    if gate.min is not None and (
        value < gate.min or (gate.strict and not exact and value == gate.min)
    ):
        return False
    return not (
        gate.max is not None
        and (value > gate.max or (gate.strict and not exact and value == gate.max))
    )


def _show(value: float) -> str:
    return f"{value:.4g}"
