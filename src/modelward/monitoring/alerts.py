"""Alerts: raised by a monitoring pass, open until a later pass finds the condition gone.

A pass stores its report and, in the same transaction, opens an alert for each new warning or
critical finding (one open alert per deployment, kind and subject), resolves the open alerts
whose condition was judged and is gone, and records both as events. A webhook, when the spec
names one, gets the new alerts as JSON; its failure is reported, never raised.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from modelward.backends.store import alerts, monitor_reports
from modelward.events import utc_now
from modelward.monitoring.health import Finding, Severity
from modelward.workspace import Workspace

WEBHOOK_SECONDS = 5.0


@dataclass(frozen=True)
class Alert:
    id: int
    deployment: str
    kind: str
    subject: str
    severity: str
    value: float | None
    threshold: float | None
    message: str
    created_at: str
    resolved_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deployment": self.deployment,
            "kind": self.kind,
            "subject": self.subject,
            "severity": self.severity,
            "value": self.value,
            "threshold": self.threshold,
            "message": self.message,
            "created_at": self.created_at,
            "resolved_at": self.resolved_at,
        }

    @classmethod
    def from_row(cls, row: Row[Any]) -> Alert:
        return cls(
            row.id,
            row.deployment,
            row.kind,
            row.subject,
            row.severity,
            row.value,
            row.threshold,
            row.message,
            row.created_at,
            row.resolved_at,
        )


@dataclass(frozen=True)
class StoredPass:
    report_id: int
    raised: tuple[Alert, ...]
    resolved: tuple[Alert, ...]


def store_pass(
    ws: Workspace,
    deployment: str,
    window: tuple[str, str],
    report: dict[str, Any],
    findings: Sequence[Finding],
) -> StoredPass:
    """The report, the alerts it opens and those it resolves, and their events: one transaction."""
    now = utc_now()
    alerting = {(f.kind, f.subject): f for f in findings if f.severity.alerts}
    judged = {(f.kind, f.subject) for f in findings if f.severity is not Severity.NOT_JUDGED}
    with ws.transaction() as conn:
        report_id = _insert_report(ws, conn, deployment, window, report, len(alerting), now)
        current = {(a.kind, a.subject): a for a in _open(conn, deployment)}
        raised = [
            _raise(conn, deployment, finding, report_id, now)
            for key, finding in alerting.items()
            if key not in current
        ]
        gone = [a for key, a in current.items() if key in judged and key not in alerting]
        for alert in gone:
            conn.execute(update(alerts).where(alerts.c.id == alert.id).values(resolved_at=now))
        payload = {
            "report": report_id,
            "raised": [a.message for a in raised],
            "resolved": [a.message for a in gone],
            "open": len(alerting),
        }
        ws.record(conn, "monitor.ran", f"deployment/{deployment}", payload)
    return StoredPass(report_id, tuple(raised), tuple(gone))


def open_alerts(ws: Workspace, deployment: str | None = None) -> list[Alert]:
    with ws.transaction() as conn:
        return _open(conn, deployment)


def post_webhook(url: str, body: dict[str, Any]) -> str | None:
    """POST `body` as JSON; None on success, else what went wrong (never raised)."""
    request = urllib.request.Request(  # noqa: S310 - the spec's http(s) URL, checked there
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_SECONDS) as answer:  # noqa: S310
            status = int(answer.status)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"webhook {url}: {exc}"
    return None if 200 <= status < 300 else f"webhook {url}: HTTP {status}"


def _insert_report(
    ws: Workspace,
    conn: Connection,
    deployment: str,
    window: tuple[str, str],
    report: dict[str, Any],
    count: int,
    now: str,
) -> int:
    inserted = conn.execute(
        insert(monitor_reports).values(
            deployment=deployment,
            window_start=window[0],
            window_end=window[1],
            report=json.dumps(report, sort_keys=True, default=str),
            alerts=count,
            created_at=now,
            created_by=ws.actor,
        )
    )
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def _raise(conn: Connection, deployment: str, finding: Finding, report_id: int, now: str) -> Alert:
    values = {
        "deployment": deployment,
        "kind": finding.kind,
        "subject": finding.subject[:200],
        "severity": finding.severity.value,
        "value": finding.value,
        "threshold": finding.threshold,
        "message": finding.message,
        "report_id": report_id,
        "created_at": now,
    }
    inserted = conn.execute(insert(alerts).values(**values))
    key = inserted.inserted_primary_key
    assert key is not None
    return Alert.from_row(conn.execute(select(alerts).where(alerts.c.id == key[0])).one())


def _open(conn: Connection, deployment: str | None) -> list[Alert]:
    query = select(alerts).where(alerts.c.resolved_at.is_(None)).order_by(alerts.c.id)
    if deployment is not None:
        query = query.where(alerts.c.deployment == deployment)
    return [Alert.from_row(row) for row in conn.execute(query)]


def latest_report(ws: Workspace, deployment: str) -> dict[str, Any] | None:
    """The newest stored pass over `deployment` (its report), or None before the first."""
    table = monitor_reports.c
    query = select(table.report).where(table.deployment == deployment).order_by(table.id.desc())
    with ws.transaction() as conn:
        stored = conn.execute(query.limit(1)).scalar_one_or_none()
    found: dict[str, Any] | None = None if stored is None else json.loads(stored)
    return found
