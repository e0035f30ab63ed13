"""Gates from the spec, one line or a mapping, checked against measured facts."""

from __future__ import annotations

import pytest

from modelward.errors import InputError
from modelward.review import check_gates
from modelward.spec import Gate, parse_spec


def _gates(*lines: object) -> list[Gate]:
    spec = parse_spec({"name": "p", "task": "binary", "target": "y", "gates": list(lines)})
    return list(spec.gates)


@pytest.mark.parametrize(
    ("line", "value", "passed"),
    [
        ("roc_auc >= 0.80", 0.80, True),
        ("roc_auc >= 0.80", 0.79, False),
        ("roc_auc > 0.80", 0.80, False),
        ("membership_auc <= 0.60", 0.61, False),
        ("roi > 0", 0.0, False),
        ("roi > 0", 0.01, True),
        ("audit_errors == 0", 0.0, True),
        ("audit_errors == 0", 1.0, False),
        ("beats_baseline", 1.0, True),
        ("beats_baseline", 0.0, False),
    ],
)
def test_one_line_gates(line: str, value: float, passed: bool) -> None:
    gate = _gates(line)[0]
    report = check_gates([gate], {gate.metric: value})
    assert report.passed is passed
    assert ("passes" if passed else "fails") in report.results[0].reason


def test_a_fact_nobody_measured_fails_the_gate() -> None:
    report = check_gates(_gates("membership_auc <= 0.6"), {"roc_auc": 0.9})
    assert not report.passed
    assert "not measured" in report.summary()


def test_mapping_and_line_forms_agree() -> None:
    mapped, line = _gates({"metric": "roc_auc", "min": 0.8}, "roc_auc >= 0.8")
    assert mapped == line


def test_a_gate_that_is_not_a_comparison_is_refused() -> None:
    with pytest.raises(InputError, match=r"gates\.0"):
        _gates("roc_auc >= high")


def test_no_gates_pass_trivially() -> None:
    assert check_gates([], {}).summary() == "no gates in the spec"
