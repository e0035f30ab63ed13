"""The monitoring use case: one pass over a deployment's recent traffic.

It compares the served model's training evidence with the window's logged requests (feature
drift, prediction drift), the feedback with the training labels (label drift) and with the
model's evaluation (performance, and the value its decisions realized), checks the training
data's age against the spec's policy, stores the report, opens and resolves alerts, and tells
the spec's webhook about new alerts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from modelward.datasets import get_version
from modelward.errors import NotFound
from modelward.model import policy_evaluation
from modelward.monitoring.alerts import StoredPass, post_webhook, store_pass
from modelward.monitoring.checks import drift_findings
from modelward.monitoring.estimate import (
    Calibrator,
    Confidence,
    LossModel,
    error_finding,
    multiclass_finding,
    performance_finding,
    positive_scores,
    value_estimate_finding,
)
from modelward.monitoring.expected import Expected
from modelward.monitoring.frames import LABEL, PREDICTION, Sides, sides
from modelward.monitoring.groups import live_fairness
from modelward.monitoring.health import Finding, performance, staleness
from modelward.monitoring.refusals import flagged_findings, refusal_findings
from modelward.monitoring.segments import segment_findings
from modelward.monitoring.value import value_finding
from modelward.registry import ModelVersion, get_model
from modelward.serving import get_deployment, list_deployments
from modelward.spec import ProjectSpec, get_project
from modelward.tracking import get_run
from modelward.workspace import Workspace


@dataclass(frozen=True)
class MonitorResult:
    deployment: str
    model: str
    window: tuple[str, str]
    rows: int  # scored
    labelled: int
    findings: tuple[Finding, ...]
    stored: StoredPass
    webhook_error: str | None
    cpu_seconds: float
    refused: int = 0

    @property
    def alerting(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.alerts]

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "model": self.model,
            "window": list(self.window),
            "rows": self.rows,
            "refused": self.refused,
            "labelled": self.labelled,
            "findings": [f.to_json() for f in self.findings],
            "alerts_raised": [a.to_json() for a in self.stored.raised],
            "alerts_resolved": [a.to_json() for a in self.stored.resolved],
            "report": self.stored.report_id,
            "webhook_error": self.webhook_error,
            "cpu_seconds": round(self.cpu_seconds, 4),
        }


def monitor_deployment(ws: Workspace, name: str, *, now: datetime | None = None) -> MonitorResult:
    """One monitoring pass over `name`'s window of traffic (the spec sets its length)."""
    started = time.process_time()
    deployment = get_deployment(ws, name)
    model = get_model(ws, deployment.routes.primary)
    spec = get_project(ws, model.project).spec
    until = now or datetime.now(UTC)
    since = until - timedelta(hours=spec.monitoring.window_hours)
    found = sides(ws, model, name, since, until)
    findings = _findings(ws, model, spec, found, until)
    window = (since.isoformat(), until.isoformat())
    cpu = time.process_time() - started
    report = {
        "model": model.ref,
        "rows": found.current.height,
        "refused": len(found.refused),
        "labelled": found.current_labels.height,
        "findings": [f.to_json() for f in findings],
        "cpu_seconds": cpu,
    }
    stored = store_pass(ws, name, window, report, findings)
    error = None
    if stored.raised and spec.monitoring.webhook:
        body = {"deployment": name, "alerts": [a.to_json() for a in stored.raised]}
        error = post_webhook(spec.monitoring.webhook, body)
    return MonitorResult(
        name,
        model.ref,
        window,
        found.current.height,
        found.current_labels.height,
        tuple(findings),
        stored,
        error,
        cpu,
        len(found.refused),
    )


def monitor_all(ws: Workspace, *, now: datetime | None = None) -> list[MonitorResult]:
    return [monitor_deployment(ws, d.name, now=now) for d in list_deployments(ws)]


def _findings(
    ws: Workspace, model: ModelVersion, spec: ProjectSpec, found: Sides, now: datetime
) -> list[Finding]:
    policy = spec.monitoring
    # Refusals first: a shift strict validation blocks must be the loudest finding.
    findings = refusal_findings(found.refused, found.received.height)
    findings += flagged_findings(found.answers)
    # Drift over every row received: the refused rows are the most shifted ones.
    findings += drift_findings(
        "feature_drift", found.reference.select(found.features), found.received, policy
    )
    findings += drift_findings(
        "prediction_drift", found.reference.select(PREDICTION), found.current, policy
    )
    labels = found.reference_labels.rename(LABEL).to_frame()
    findings += drift_findings("label_drift", labels, found.current_labels, policy)
    findings.append(performance(found.current_labels, found.target, found.expected, policy))
    evaluated = policy_evaluation(ws, model)
    expected = None if evaluated is None else Expected.of(evaluated.typed_report)
    calibrator = Calibrator.fit(found.evidence)
    findings += _estimated(found, spec, expected, calibrator)
    findings += live_fairness(found, spec, expected, calibrator)
    findings += segment_findings(found, spec, calibrator)
    priced = value_finding(
        found.decided,
        spec,
        found.target,
        expected,
        min_rows=policy.min_rows,
        calibrator=calibrator,
    )
    findings += [] if priced is None else [priced]
    created = _dataset_created(ws, model)
    findings.append(staleness(spec.staleness, found.training, spec.time_column, created, now))
    return sorted(findings, key=lambda f: _ORDER.index(f.severity.value))


def _estimated(
    found: Sides, spec: ProjectSpec, expected: Expected | None, calibrator: Calibrator | None
) -> list[Finding]:
    """Performance and value estimated before any label: from calibrated probabilities
    (binary: value too; multiclass: confidence), or from a loss model (regression)."""
    policy = spec.monitoring
    if calibrator is None:
        return _estimated_other(found, spec)
    scores = positive_scores(found.answers, found.target)
    findings = [performance_finding(scores, calibrator, policy.min_rows, policy.performance_drop)]
    if expected is not None:
        value = value_estimate_finding(
            found.answers, found.inputs, spec, found.target, calibrator, expected, policy.min_rows
        )
        findings += [] if value is None else [value]
    return findings


def _estimated_other(found: Sides, spec: ProjectSpec) -> list[Finding]:
    policy = spec.monitoring
    confidence = Confidence.fit(found.evidence)
    if confidence is not None:
        highest = [
            max(float(p) for p in proba.values())
            for a in found.answers
            if isinstance(proba := a.get("proba"), dict) and proba
        ]
        sure = np.array(highest, dtype=np.float64)
        return [multiclass_finding(sure, confidence, policy.min_rows, policy.performance_drop)]
    losses = LossModel.fit(found.evidence, found.features)
    if losses is None:
        return []
    kept = [i for i, a in enumerate(found.answers) if isinstance(a.get("prediction"), int | float)]
    predictions = np.array([float(found.answers[i]["prediction"]) for i in kept])
    inputs = [found.inputs[i] for i in kept]
    return [error_finding(inputs, predictions, losses, spec)]


_ORDER = ("critical", "warning", "not_judged", "ok")


def _dataset_created(ws: Workspace, model: ModelVersion) -> str:
    try:
        dataset = None if model.run is None else get_run(ws, model.run).dataset
        return model.created_at if dataset is None else get_version(ws, dataset).created_at
    except NotFound:
        return model.created_at
