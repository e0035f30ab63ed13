"""The facts a model is judged on: its newest evaluation plus the audit of its training data."""

from __future__ import annotations

from modelward.audit.service import latest_audit
from modelward.datasets.service import get_version
from modelward.errors import NotFound
from modelward.evaluation.store import latest_evaluation
from modelward.registry.records import ModelVersion
from modelward.review.gates import GateReport, check_gates
from modelward.spec.service import get_project
from modelward.tracking.service import get_run
from modelward.workspace import Workspace


def model_facts(ws: Workspace, model: ModelVersion) -> dict[str, float]:
    """Every measured fact about `model`; an unmeasured one is absent, never guessed."""
    facts: dict[str, float] = {}
    evaluation = latest_evaluation(ws, model)
    if evaluation is not None:
        facts.update(evaluation.facts)
    facts.update(_audit_facts(ws, model))
    return facts


def gate_report(ws: Workspace, model: ModelVersion) -> GateReport:
    """The project spec's gates checked against the model's facts as they stand now."""
    spec = get_project(ws, model.project).spec
    return check_gates(spec.gates, model_facts(ws, model))


def _audit_facts(ws: Workspace, model: ModelVersion) -> dict[str, float]:
    if model.run is None:
        return {}
    try:
        dataset = get_run(ws, model.run).dataset
        version = None if dataset is None else get_version(ws, dataset)
    except NotFound:
        return {}
    audit = None if version is None else latest_audit(ws, version)
    if audit is None:
        return {}
    counts = audit.report.counts()
    return {"audit_errors": float(counts["error"]), "audit_warnings": float(counts["warning"])}
