"""Use cases of the audit stage: audit a dataset version, keep the report, render it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from modelward.audit.context import AuditContext
from modelward.audit.findings import Finding
from modelward.audit.html import render_html
from modelward.audit.report import AuditReport, run_audit
from modelward.backends.store import audits
from modelward.datasets import DatasetVersion, get_version, load_frame, require_columns
from modelward.events import utc_now
from modelward.spec import get_project
from modelward.workspace import Workspace


@dataclass(frozen=True)
class AuditOptions:
    """What the audit knows about the data's meaning; flags override the project's spec."""

    target: str | None = None
    positive_label: str | None = None
    sensitive: tuple[str, ...] = ()
    time_column: str | None = None
    max_age_days: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "positive_label": self.positive_label,
            "sensitive": list(self.sensitive),
            "time_column": self.time_column,
            "max_age_days": self.max_age_days,
        }


@dataclass(frozen=True)
class StoredAudit:
    """An audit report kept for a dataset version, with its HTML rendering in the blob store."""

    id: int
    dataset: str
    options: AuditOptions
    report: AuditReport
    html_blob: str
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset": self.dataset,
            "options": self.options.to_json(),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "html_blob": self.html_blob,
            **self.report.to_json(),
        }


def resolve_options(
    ws: Workspace,
    version: DatasetVersion,
    *,
    target: str | None = None,
    sensitive: tuple[str, ...] | None = None,
) -> AuditOptions:
    """The project's spec, if the dataset belongs to one, with explicit flags on top."""
    base = AuditOptions()
    if version.project is not None:
        spec = get_project(ws, version.project).spec
        base = AuditOptions(
            target=spec.target,
            positive_label=None if spec.positive_label is None else str(spec.positive_label),
            sensitive=spec.sensitive,
            time_column=spec.time_column,
            max_age_days=spec.staleness.max_age_days if spec.staleness else None,
        )
    options = AuditOptions(
        target=target if target is not None else base.target,
        positive_label=base.positive_label if target in (None, base.target) else None,
        sensitive=sensitive if sensitive is not None else base.sensitive,
        time_column=base.time_column,
        max_age_days=base.max_age_days,
    )
    _check_options(version, options)
    return options


def audit_dataset(
    ws: Workspace,
    ref: str,
    *,
    target: str | None = None,
    sensitive: tuple[str, ...] | None = None,
    rerun: bool = False,
) -> StoredAudit:
    """The audit of a version: the stored one when it matches the options, else a new one."""
    version = get_version(ws, ref)
    options = resolve_options(ws, version, target=target, sensitive=sensitive)
    if not rerun:
        stored = latest_audit(ws, version)
        if stored is not None and stored.options == options:
            return stored
    return run_and_store(ws, version, options)


def run_and_store(ws: Workspace, version: DatasetVersion, options: AuditOptions) -> StoredAudit:
    frame = load_frame(ws, version)
    parent = None if version.parent is None else load_frame(ws, get_version(ws, version.parent))
    context = AuditContext(
        frame=frame,
        target=options.target,
        positive_label=options.positive_label,
        sensitive=options.sensitive,
        time_column=options.time_column,
        max_age_days=options.max_age_days,
        now=datetime.now(UTC),
        parent=parent,
    )
    return _store(ws, version, options, run_audit(context), source="audit")


def _store(
    ws: Workspace,
    version: DatasetVersion,
    options: AuditOptions,
    report: AuditReport,
    *,
    source: str,
) -> StoredAudit:
    html = render_html(report, title=f"Data audit of {version.ref}")
    html_blob = ws.blobs.put_bytes(html.encode("utf-8"))
    with ws.transaction() as conn:
        created_at = utc_now()
        result = conn.execute(
            insert(audits).values(
                dataset_version_id=version.id,
                worst=report.worst.value,
                counts=json.dumps(report.counts(), sort_keys=True),
                report=json.dumps(
                    {"options": options.to_json(), "report": report.to_json()}, sort_keys=True
                ),
                html_blob=html_blob,
                created_at=created_at,
                created_by=ws.actor,
            )
        )
        payload = {
            "worst": report.worst.value,
            "counts": report.counts(),
            "html": html_blob,
            "source": source,
        }
        ws.record(conn, "dataset.audited", f"dataset/{version.ref}", payload)
        key = result.inserted_primary_key
        assert key is not None
        audit_id = int(key[0])
    return StoredAudit(audit_id, version.ref, options, report, html_blob, created_at, ws.actor)


def add_findings(
    ws: Workspace,
    version: DatasetVersion,
    findings: Sequence[Finding],
    *,
    source: str,
    options: AuditOptions | None = None,
) -> StoredAudit:
    """A new audit of `version`: the latest one's findings with `findings` joined to them.

    Findings of the same checks replace the earlier ones, so a re-scan never piles up stale
    results. `source` (e.g. ``run/<uid>``) is recorded on the event.
    """
    latest = latest_audit(ws, version)
    base = latest.report if latest is not None else None
    checks = {f.check for f in findings}
    kept = [f for f in base.findings if f.check not in checks] if base else []
    merged = sorted([*kept, *findings], key=lambda f: (-f.severity.rank, f.check))
    report = AuditReport(
        findings=tuple(merged),
        n_rows=base.n_rows if base else version.n_rows,
        n_columns=base.n_columns if base else version.n_columns,
        checks_run=tuple(sorted({*(base.checks_run if base else ()), *checks})),
        seconds=base.seconds if base else 0.0,
    )
    chosen = options or (latest.options if latest is not None else AuditOptions())
    return _store(ws, version, chosen, report, source=source)


def latest_audit(ws: Workspace, version: DatasetVersion) -> StoredAudit | None:
    with ws.transaction() as conn:
        row = conn.execute(
            select(audits)
            .where(audits.c.dataset_version_id == version.id)
            .order_by(audits.c.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    body = json.loads(row.report)
    options = AuditOptions(**{**body["options"], "sensitive": tuple(body["options"]["sensitive"])})
    report = AuditReport.from_json(body["report"])
    return StoredAudit(
        row.id, version.ref, options, report, row.html_blob, row.created_at, row.created_by
    )


def audit_html(ws: Workspace, audit: StoredAudit) -> str:
    return ws.blobs.read_bytes(audit.html_blob).decode("utf-8")


def _check_options(version: DatasetVersion, options: AuditOptions) -> None:
    named = {"--target": options.target, "time_column": options.time_column}
    named.update({f"--sensitive {col}": col for col in options.sensitive})
    required = {field: column for field, column in named.items() if column is not None}
    require_columns(version.contract.names, required, version.ref)
