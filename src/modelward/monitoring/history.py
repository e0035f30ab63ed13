"""Drift over time: each feature's drift score across a deployment's stored monitoring passes.

A pass stores one finding per monitored column (`service.monitor_deployment`); its value is the
population stability index, or the Jensen-Shannon distance where no index was computed, and its
threshold the warning level of that measure. A line holds one value per pass, oldest first, with
None where the pass did not measure the column (it was added or removed since, or the pass
failed to read it), so lines of one series always line up with its times.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from modelward.backends.store import monitor_reports
from modelward.errors import InputError
from modelward.serving import get_deployment
from modelward.workspace import Workspace

DRIFT_KINDS = ("feature_drift", "prediction_drift", "label_drift")
OUTSIDE_KINDS = ("refused", "out_of_contract")  # see monitoring.refusals
MAX_PASSES = 1_000


@dataclass(frozen=True)
class DriftLine:
    """One column's drift score in each pass of a series."""

    kind: str  # one of DRIFT_KINDS
    subject: str  # the column
    values: tuple[float | None, ...]
    severities: tuple[str | None, ...]
    threshold: float | None  # the newest pass's warning level for this column

    @property
    def latest(self) -> float | None:
        return next((v for v in reversed(self.values) if v is not None), None)

    @property
    def peak(self) -> float | None:
        return max((v for v in self.values if v is not None), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "values": list(self.values),
            "severities": list(self.severities),
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class DriftSeries:
    """A deployment's stored passes, by the end of their window, oldest first, and a line per
    column they measured; lines are ordered by kind, then the newest value, highest first."""

    deployment: str
    report_ids: tuple[int, ...]
    times: tuple[float, ...]  # epoch seconds at which each pass's window ended
    rows: tuple[int, ...]  # requests each pass judged
    lines: tuple[DriftLine, ...]
    # The newest pass's findings on rows refused or scored outside training, worst first.
    outside: tuple[dict[str, Any], ...] = ()

    def of_kind(self, kind: str) -> tuple[DriftLine, ...]:
        return tuple(line for line in self.lines if line.kind == kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "report_ids": list(self.report_ids),
            "times": list(self.times),
            "rows": list(self.rows),
            "lines": [line.to_json() for line in self.lines],
            "outside": list(self.outside),
        }


def drift_series(ws: Workspace, deployment: str, *, limit: int = 100) -> DriftSeries:
    """The drift scores of `deployment`'s newest `limit` monitoring passes.

    Raises `NotFound` for an unknown deployment and `InputError` for a bad `limit`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PASSES:
        raise InputError.field("limit", limit, f"a whole number of passes from 1 to {MAX_PASSES}")
    get_deployment(ws, deployment)  # NotFound for an unknown one
    table = monitor_reports.c
    query = (
        select(table.id, table.window_end, table.report)
        .where(table.deployment == deployment)
        .order_by(table.id.desc())
        .limit(limit)
    )
    with ws.transaction() as conn:
        newest = conn.execute(query).all()
    # Oldest window first: a chart's x values must rise, whatever order passes were stored in.
    found = sorted(newest, key=lambda row: (_epoch(row.window_end), row.id))
    reports = [json.loads(row.report) for row in found]
    return DriftSeries(
        deployment=deployment,
        report_ids=tuple(int(row.id) for row in found),
        times=tuple(_epoch(row.window_end) for row in found),
        rows=tuple(int(report.get("rows", 0)) for report in reports),
        lines=_lines(reports),
        outside=tuple(_outside(reports[-1])) if reports else (),
    )


def _outside(report: dict[str, Any]) -> list[dict[str, Any]]:
    findings = report.get("findings", [])
    return [f for f in findings if isinstance(f, dict) and f.get("kind") in OUTSIDE_KINDS]


def _lines(reports: list[dict[str, Any]]) -> tuple[DriftLine, ...]:
    scores: dict[tuple[str, str], list[tuple[float | None, str | None]]] = {}
    thresholds: dict[tuple[str, str], float | None] = {}
    for at, report in enumerate(reports):
        for finding in _drift(report.get("findings", [])):
            key = (finding["kind"], str(finding["subject"]))
            column = scores.setdefault(key, [(None, None)] * len(reports))
            column[at] = (_number(finding.get("value")), finding.get("severity"))
            thresholds[key] = _number(finding.get("threshold"))
    lines = [
        DriftLine(
            kind,
            subject,
            tuple(value for value, _ in points),
            tuple(severity for _, severity in points),
            thresholds[(kind, subject)],
        )
        for (kind, subject), points in scores.items()
    ]
    lines.sort(key=lambda line: (DRIFT_KINDS.index(line.kind), -(line.latest or 0.0), line.subject))
    return tuple(lines)


def _drift(findings: Iterable[Any]) -> Iterable[dict[str, Any]]:
    return (f for f in findings if isinstance(f, dict) and f.get("kind") in DRIFT_KINDS)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _number(value: object) -> float | None:
    """A finite number, else None (a chart's JSON has no NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
