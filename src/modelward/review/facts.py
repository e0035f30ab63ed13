"""The facts a model is judged on: its newest evaluation plus the audit of its training data."""

from __future__ import annotations

from modelward.audit import StoredAudit, latest_audit
from modelward.datasets import get_version
from modelward.errors import NotFound
from modelward.model import StoredEvaluation, latest_evaluation
from modelward.registry import ModelVersion
from modelward.review.gates import GateReport, check_gates
from modelward.spec import get_project
from modelward.tracking import get_run
from modelward.workspace import Workspace


def model_facts(ws: Workspace, model: ModelVersion) -> dict[str, float]:
    """Every measured fact about `model`; an unmeasured one is absent, never guessed."""
    return facts_of(latest_evaluation(ws, model), _training_audit(ws, model))


def facts_of(evaluation: StoredEvaluation | None, audit: StoredAudit | None) -> dict[str, float]:
    """The facts of an evaluation and of the audit of the training data, from those records."""
    facts: dict[str, float] = {} if evaluation is None else dict(evaluation.facts)
    if audit is not None:
        counts = audit.report.counts()
        facts["audit_errors"] = float(counts["error"])
        facts["audit_warnings"] = float(counts["warning"])
    return facts


def gate_report(ws: Workspace, model: ModelVersion) -> GateReport:
    """The project spec's gates checked against the model's facts as they stand now."""
    spec = get_project(ws, model.project).spec
    return check_gates(spec.gates, model_facts(ws, model))


def _training_audit(ws: Workspace, model: ModelVersion) -> StoredAudit | None:
    if model.run is None:
        return None
    try:
        dataset = get_run(ws, model.run).dataset
        version = None if dataset is None else get_version(ws, dataset)
    except NotFound:
        return None
    return None if version is None else latest_audit(ws, version)
