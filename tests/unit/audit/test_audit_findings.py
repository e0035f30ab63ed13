from __future__ import annotations

import copy

import pytest

from modelward.audit import Finding, Severity
from modelward.errors import InputError


def test_severity_is_ordered_by_rank() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert [s.rank for s in (Severity.INFO, Severity.WARNING, Severity.ERROR)] == [0, 1, 2]
    assert max(Severity) is Severity.ERROR
    assert sorted([Severity.ERROR, Severity.INFO, Severity.WARNING])[0] is Severity.INFO


def test_severity_parse_names_the_allowed_values() -> None:
    assert Severity.parse(" Warning ") is Severity.WARNING
    with pytest.raises(InputError, match="expected one of info, warning, error"):
        Severity.parse("fatal")


def test_finding_round_trips_through_json() -> None:
    finding = Finding("missing_values", Severity.WARNING, "column `a`: 1 missing", "a", {"n": 1})
    data = finding.to_json()
    assert data == {
        "check": "missing_values",
        "severity": "warning",
        "message": "column `a`: 1 missing",
        "column": "a",
        "details": {"n": 1},
    }
    assert Finding.from_json(data) == finding


def test_finding_keeps_its_own_copy_of_details_and_can_be_copied() -> None:
    given = {"n": 1}
    finding = Finding("c", Severity.INFO, "m", details=given)
    given["n"] = 2
    assert finding.details["n"] == 1
    # deepcopy goes through the pickle protocol, as sending a finding to another process does.
    assert copy.deepcopy(finding) == finding
