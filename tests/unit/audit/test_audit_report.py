from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

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


def test_empty_tables_and_odd_types_break_no_check(make_ctx: MakeContext) -> None:
    odd = pl.DataFrame(
        {
            "tags": [[1, 2], [3], None, [1]] * 10,
            "meta": [{"a": 1}, {"a": 2}, None, {"a": 1}] * 10,
            "plan": pl.Series(["a", "b", "A", None] * 10, dtype=pl.Categorical),
            "tier": pl.Series(["x", "y", "x", "y"] * 10, dtype=pl.Enum(["x", "y"])),
            "price": [Decimal("1.5"), Decimal("2.5"), None, Decimal("9.5")] * 10,
            "ts": [datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2, 3, 4)] * 10,
            "wait": [timedelta(days=d) for d in (1, 2, 3, 4)] * 10,
            "nothing": pl.Series([None] * 40, dtype=pl.Null),
            "blob": [b"a", b"b", None, b"a"] * 10,
            "y": [True, False, None, True] * 10,
        }
    )
    empty = pl.DataFrame({"a": pl.Series([], dtype=pl.Int64), "y": pl.Series([], dtype=pl.String)})
    options = {"target": "y", "sensitive": ("tier",), "time_column": "ts", "max_age_days": 30}
    for frame in (odd, empty.with_columns(pl.lit(None).alias("tier"), pl.lit(None).alias("ts"))):
        report = run_audit(make_ctx(frame, parent=frame, **options))
        failures = [f.message for f in report.findings if "failed:" in f.message]
        assert failures == []
    report = run_audit(make_ctx(empty))
    assert any(f.message == "the table has no rows" for f in report.findings)
