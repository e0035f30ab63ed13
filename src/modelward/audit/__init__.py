"""Data quality and risk audit: checks over a table, one registry of checks, the report.

A check is a function ``(ctx: AuditContext) -> list[Finding]`` registered with ``@check(name)``;
`run_audit` runs the registered checks and returns an `AuditReport`.
"""

from modelward.audit.context import SAMPLE_ROWS, AuditContext, TargetKind
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.html import render_html
from modelward.audit.registry import CheckInfo, check, get_check, registered_checks
from modelward.audit.report import AuditReport, run_audit

__all__ = [
    "JSON",
    "SAMPLE_ROWS",
    "AuditContext",
    "AuditReport",
    "CheckInfo",
    "Finding",
    "Severity",
    "TargetKind",
    "check",
    "get_check",
    "registered_checks",
    "render_html",
    "run_audit",
]
