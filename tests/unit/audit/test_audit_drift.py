from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from modelward.audit import Finding, Severity
from modelward.audit.checks.drift import categorical_psi, numeric_psi

RunCheck = Callable[..., list[Finding]]


def _frame(seed: int, shift: float = 0.0, yes: float = 0.3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "spend": rng.normal(100 + shift, 10, 5000),
            "plan": np.where(rng.random(5000) < yes, "pro", "basic"),
        }
    )


def test_psi_is_near_zero_for_the_same_distribution() -> None:
    a, b = _frame(0), _frame(1)
    assert numeric_psi(a["spend"], b["spend"]) < 0.02
    assert categorical_psi(a["plan"], b["plan"]) < 0.01


def test_no_drift_gives_one_info(run_check: RunCheck) -> None:
    [finding] = run_check("drift", _frame(1), parent=_frame(0))
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("no drift against the parent version in 2 common columns")


def test_moderate_and_major_shifts(run_check: RunCheck) -> None:
    found = {f.column: f for f in run_check("drift", _frame(1, shift=4, yes=0.8), parent=_frame(0))}
    assert found["spend"].severity is Severity.WARNING
    assert "shifted from the parent version: PSI 0.1" in found["spend"].message
    assert found["plan"].severity is Severity.ERROR
    assert "drifted from the parent version: PSI" in found["plan"].message


def test_no_parent_no_drift(run_check: RunCheck) -> None:
    assert run_check("drift", _frame(0)) == []
    assert run_check("schema_changes", _frame(0)) == []


def test_schema_changes(run_check: RunCheck) -> None:
    parent = pl.DataFrame({"a": [1, 2], "b": ["x", "y"], "gone": [0, 1]})
    current = pl.DataFrame({"a": ["1", "2"], "b": ["x", "y"], "new": [1.0, 2.0]})
    found = {f.column: f for f in run_check("schema_changes", current, parent=parent)}
    assert set(found) == {"a", "new", "gone"}
    assert all(f.severity is Severity.WARNING for f in found.values())
    assert (
        found["a"].message
        == "column `a` changed type from Int64 to String since the parent version"
    )
    assert found["new"].message == "column `new` is new: the parent version does not have it"
    assert found["gone"].message == "column `gone` of the parent version is gone"
