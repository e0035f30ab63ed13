"""Drift checks as findings: each column of a drift report becomes one finding of its kind."""

from __future__ import annotations

import polars as pl

from modelward.monitoring.drift import ColumnDrift, Severity as DriftSeverity, Thresholds, compare
from modelward.monitoring.health import Finding, Severity
from modelward.monitoring.profile import fit_reference
from modelward.spec import Monitoring

_SEVERITY = {
    DriftSeverity.OK: Severity.OK,
    DriftSeverity.NOT_JUDGED: Severity.NOT_JUDGED,
    DriftSeverity.WARNING: Severity.WARNING,
    DriftSeverity.MISSING: Severity.WARNING,
    DriftSeverity.CRITICAL: Severity.CRITICAL,
}


def thresholds(policy: Monitoring) -> Thresholds:
    return Thresholds(
        psi_warning=policy.psi_warning,
        psi_critical=policy.psi_critical,
        js_warning=policy.js_warning,
        js_critical=policy.js_critical,
        p_value=policy.p_value,
        min_rows=policy.min_rows,
    )


def drift_findings(
    kind: str, reference: pl.DataFrame, current: pl.DataFrame, policy: Monitoring
) -> list[Finding]:
    """One finding per reference column: how far `current` moved from `reference`."""
    report = compare(fit_reference(reference), current, thresholds=thresholds(policy))
    return [_finding(kind, column, policy) for column in report.columns]


def _finding(kind: str, column: ColumnDrift, policy: Monitoring) -> Finding:
    severity = _SEVERITY[column.severity]
    psi, js = column.psi, column.js
    value, threshold = (psi, policy.psi_warning) if psi is not None else (js, policy.js_warning)
    message = column.summary or _quiet(column, value)
    return Finding(kind, column.column, severity, value, threshold, message)


def _quiet(column: ColumnDrift, value: float | None) -> str:
    if column.severity is DriftSeverity.NOT_JUDGED:
        return f"{column.column}: not judged ({column.rows_current} rows)"
    measure = "PSI" if column.psi is not None else "JS distance"
    return (
        f"{column.column}: stable ({measure} {value:.3f})" if value is not None else column.column
    )
