"""Data quality and risk audit: checks over a table, one registry of checks, the report.

A check is a function ``(ctx: AuditContext) -> list[Finding]`` registered with ``@check(name)``;
`run_audit` runs the registered checks and returns an `AuditReport`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.audit.context import (
        SAMPLE_ROWS as SAMPLE_ROWS,
        AuditContext as AuditContext,
        TargetKind as TargetKind,
    )
    from modelward.audit.findings import (
        JSON as JSON,
        Finding as Finding,
        Severity as Severity,
    )
    from modelward.audit.html import (
        render_html as render_html,
    )
    from modelward.audit.registry import (
        CheckInfo as CheckInfo,
        check as check,
        get_check as get_check,
        registered_checks as registered_checks,
    )
    from modelward.audit.report import (
        AuditReport as AuditReport,
        run_audit as run_audit,
    )
    from modelward.audit.service import (
        AuditOptions as AuditOptions,
        StoredAudit as StoredAudit,
        add_findings as add_findings,
        audit_dataset as audit_dataset,
        audit_html as audit_html,
        latest_audit as latest_audit,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
