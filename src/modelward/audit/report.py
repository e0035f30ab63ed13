"""The audit report, and running the registered checks to produce one."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelward.audit.context import AuditContext
from modelward.audit.findings import Finding, Severity
from modelward.audit.registry import CheckInfo, get_check, registered_checks


@dataclass(frozen=True)
class AuditReport:
    """The findings of one audit, worst first, with the size of the table and what ran."""

    findings: tuple[Finding, ...]
    n_rows: int
    n_columns: int
    checks_run: tuple[str, ...]
    seconds: float

    def counts(self) -> dict[str, int]:
        """Findings per severity value (``error``, ``warning``, ``info``), zeros included."""
        out = {s.value: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    @property
    def worst(self) -> Severity:
        """The highest severity found; `Severity.INFO` when there are no findings at all."""
        return max((f.severity for f in self.findings), default=Severity.INFO)

    def by_severity(self) -> list[tuple[Severity, list[Finding]]]:
        """Findings grouped by severity, worst first, leaving out empty groups."""
        groups = [
            (s, [f for f in self.findings if f.severity is s])
            for s in sorted(Severity, reverse=True)
        ]
        return [(s, fs) for s, fs in groups if fs]

    def to_json(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "checks_run": list(self.checks_run),
            "seconds": self.seconds,
            "counts": self.counts(),
            "worst": self.worst.value,
            "findings": [f.to_json() for f in self.findings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditReport:
        return cls(
            findings=tuple(Finding.from_json(f) for f in data.get("findings", [])),
            n_rows=int(data["n_rows"]),
            n_columns=int(data["n_columns"]),
            checks_run=tuple(str(c) for c in data.get("checks_run", [])),
            seconds=float(data.get("seconds", 0.0)),
        )


def run_audit(ctx: AuditContext, checks: Sequence[str] | None = None) -> AuditReport:
    """Run the named checks (all registered ones by default) on ``ctx``.

    Raises `InputError` for an unknown check name. A check that raises does not stop the audit:
    its failure becomes an error finding, since a silent gap in an audit reads as a pass.
    """
    selected = registered_checks() if checks is None else tuple(get_check(name) for name in checks)
    started = time.perf_counter()
    findings: list[Finding] = []
    for info in selected:
        findings += _run_one(info, ctx)
    findings.sort(key=lambda f: (-f.severity.rank, f.check))
    return AuditReport(
        findings=tuple(findings),
        n_rows=ctx.frame.height,
        n_columns=ctx.frame.width,
        checks_run=tuple(info.name for info in selected),
        seconds=time.perf_counter() - started,
    )


def _run_one(info: CheckInfo, ctx: AuditContext) -> list[Finding]:
    try:
        return list(info.run(ctx))
    # One broken check (a plugin's, or a built-in meeting odd data) must not hide the others.
    except Exception as exc:
        message = f"check `{info.name}` failed: {type(exc).__name__}: {exc}"
        return [Finding(info.name, Severity.ERROR, message, None, {"error": type(exc).__name__})]
