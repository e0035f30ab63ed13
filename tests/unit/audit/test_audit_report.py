from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl
import pytest

from modelward.audit import AuditContext, AuditReport, Finding, Severity, check, run_audit
from modelward.audit.registry import REGISTRY

MakeContext = Callable[..., AuditContext]


def _report() -> AuditReport:
    findings = (
        Finding("b_check", Severity.ERROR, "bad", "x", {"n": 1}),
        Finding("a_check", Severity.WARNING, "meh"),
        Finding("a_check", Severity.INFO, "fyi"),
    )
    return AuditReport(
        findings, n_rows=10, n_columns=2, checks_run=("a_check", "b_check"), seconds=0.5
    )


def test_counts_and_worst() -> None:
    report = _report()
    assert report.counts() == {"error": 1, "warning": 1, "info": 1}
    assert report.worst is Severity.ERROR
    empty = AuditReport((), n_rows=0, n_columns=0, checks_run=(), seconds=0.0)
    assert empty.counts() == {"error": 0, "warning": 0, "info": 0}
    assert empty.worst is Severity.INFO


def test_report_round_trips_through_json() -> None:
    report = _report()
    data = report.to_json()
    assert data["worst"] == "error"
    assert data["counts"] == {"error": 1, "warning": 1, "info": 1}
    assert AuditReport.from_json(data) == report


def test_run_audit_sorts_by_severity_then_check(make_ctx: MakeContext) -> None:
    frame = pl.DataFrame({"id": [1, 2, 3], "a": [None, 1.0, 2.0], "b": [None, None, 1]})
    report = run_audit(make_ctx(frame), ["missing_values", "id_columns"])
    assert report.checks_run == ("missing_values", "id_columns")
    assert [(f.severity, f.check) for f in report.findings] == [
        (Severity.ERROR, "missing_values"),
        (Severity.WARNING, "id_columns"),
        (Severity.WARNING, "missing_values"),
    ]
    assert (report.n_rows, report.n_columns) == (3, 3)
    assert report.seconds >= 0


@pytest.fixture
def broken() -> Iterator[str]:
    @check("test_broken")
    def broken_check(ctx: AuditContext) -> list[Finding]:
        """Always fails."""
        raise ZeroDivisionError("division by zero")

    yield "test_broken"
    REGISTRY.unregister("test_broken")


def test_a_crashing_check_becomes_an_error_finding(broken: str, make_ctx: MakeContext) -> None:
    report = run_audit(make_ctx(pl.DataFrame({"a": [1, 2]})), [broken, "missing_values"])
    assert report.checks_run == (broken, "missing_values")
    [failure] = [f for f in report.findings if f.check == broken]
    assert failure.severity is Severity.ERROR
    assert failure.message == "check `test_broken` failed: ZeroDivisionError: division by zero"
    assert any(f.check == "missing_values" for f in report.findings)
