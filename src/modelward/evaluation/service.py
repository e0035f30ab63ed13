"""Evaluation use cases: evaluate a model version, read its report, explain rows.

The evaluation reads the evidence training left beside the version (out-of-fold predictions),
the verified bundle and the project spec; it stores the report, its facts and its HTML, and
records a `model.evaluated` event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from modelward.errors import NotFound
from modelward.evaluation.explain import (
    LocalExplanations,
    explain_local,
    explain_rows,
    native_predictor,
)
from modelward.evaluation.forecasts import forecast_report
from modelward.evaluation.html import render_evaluation_html
from modelward.evaluation.report import Inputs, build_report
from modelward.evaluation.segments import segment_report
from modelward.events import utc_now
from modelward.model import (
    StoredEvaluation,
    latest_evaluation,
    policy_evaluation,
    save_evaluation,
)
from modelward.registry import ModelVersion, get_model, load_bundle
from modelward.spec import ProjectSpec, Task, get_project
from modelward.tracking import get_run
from modelward.training import Predictor, SearchSetup, load_evidence
from modelward.workspace import Workspace

Step = Callable[[str], None]
BACKGROUND_ROWS = 500


def evaluate_model(ws: Workspace, ref: str, *, on_step: Step | None = None) -> StoredEvaluation:
    """Evaluate `ref` on its out-of-fold evidence and keep the report as its newest one."""
    model = get_model(ws, ref)
    if model.task in (Task.SEGMENT, Task.FORECAST):
        body, facts = _problem_report(ws, model)
        html = render_evaluation_html(body, title=f"Evaluation of {model.ref}")
        return save_evaluation(ws, model, body, facts, html)
    spec = get_project(ws, model.project).spec
    inputs = Inputs(
        model=model,
        spec=spec,
        evidence=load_evidence(ws, model),
        bundle=load_bundle(ws, model),
        training_cost=_training_cost(ws, model),
        folds_by=_folds_by(ws, model, spec),
    )
    report = build_report(inputs, on_step=on_step)
    body, facts = _carried(latest_evaluation(ws, model), report.body, report.facts)
    html = render_evaluation_html(body, title=f"Evaluation of {model.ref}")
    return save_evaluation(ws, model, body, facts, html)


def _problem_report(ws: Workspace, model: ModelVersion) -> tuple[dict[str, Any], dict[str, float]]:
    """A segmentation's or a forecast's report: its own questions, not the tabular ones."""
    bundle = load_bundle(ws, model)
    if model.task == Task.SEGMENT:
        body, facts = segment_report(model, bundle)
    else:
        spec = get_project(ws, model.project).spec
        body, facts = forecast_report(model, bundle, load_evidence(ws, model), spec)
    return {**body, "created_at": utc_now()}, facts


# Found once, at retraining, on rows the evaluation never sees (the forgetting guard): an
# evaluation again keeps them rather than dropping evidence a gate may name.
CARRIED_SECTION = "retraining"
CARRIED_FACTS = ("recent_gain", "forgetting_loss")


def _carried(
    previous: StoredEvaluation | None, body: dict[str, Any], facts: dict[str, float]
) -> tuple[dict[str, Any], dict[str, float]]:
    if previous is None or CARRIED_SECTION not in previous.report:
        return body, facts
    kept = {k: previous.facts[k] for k in CARRIED_FACTS if k in previous.facts}
    return {**body, CARRIED_SECTION: previous.report[CARRIED_SECTION]}, {**facts, **kept}


def policy_note(ws: Workspace, stored: StoredEvaluation) -> str | None:
    """What to tell whoever evaluated an approved model again: its decisions keep the policy
    approved on an earlier evaluation until this one is approved (None when it applies now)."""
    model = get_model(ws, stored.model)
    applied = policy_evaluation(ws, model)
    if applied is None or applied.id == stored.id:
        return None
    return (
        f"{model.ref} keeps deciding under the policy approved on evaluation {applied.id} "
        f"({applied.created_at[:19]}); this evaluation's policy applies once it is approved "
        f"(`modelward models approve {model.ref}`)"
    )


def get_evaluation(ws: Workspace, ref: str) -> StoredEvaluation:
    """The newest evaluation of `ref`; NotFound, naming the fix, when it has none."""
    model = get_model(ws, ref)
    found = latest_evaluation(ws, model)
    if found is None:
        raise NotFound(f"{model.ref} has not been evaluated; run `modelward evaluate {model.ref}`")
    return found


def evaluation_html(ws: Workspace, evaluation: StoredEvaluation) -> str:
    return ws.blobs.read_bytes(evaluation.html_blob).decode("utf-8")


def explain_model(ws: Workspace, ref: str, frame: pl.DataFrame) -> LocalExplanations:
    """Each row of `frame` explained: its prediction, the base value and every feature's part.

    Contributions are SHAP values of the model's probability (or value), measured against a
    sample of its training rows: the base is the model's mean prediction over them, so an
    explanation reads "compared with a typical customer".
    """
    found = ws.while_unchanged(("explainer", ref), lambda previous: _explainer(ws, ref, previous))
    if found.background is None:
        return explain_rows(found.predictor, frame)
    return explain_local(found.predictor, frame, background=found.background)


@dataclass(frozen=True)
class _Explainer:
    """A version's model with native members (SHAP reads trees and weights) and the training
    rows its explanations measure against."""

    version_id: int
    predictor: Predictor
    background: pl.DataFrame | None


def _explainer(ws: Workspace, ref: str, previous: _Explainer | None) -> _Explainer:
    model = get_model(ws, ref)
    if previous is not None and previous.version_id == model.id:
        return previous  # the version, its bundle and its evidence are as they were
    return _Explainer(model.id, native_predictor(load_bundle(ws, model)), _background(ws, model))


def _background(ws: Workspace, model: ModelVersion) -> pl.DataFrame | None:
    try:
        frame = load_evidence(ws, model).frame
    except NotFound:
        return None
    return frame if frame.height <= BACKGROUND_ROWS else frame.sample(BACKGROUND_ROWS, seed=0)


def _folds_by(
    ws: Workspace, model: ModelVersion, spec: ProjectSpec
) -> tuple[str | None, str | None]:
    """The group and time columns the training run cut its folds by, as it logged them; for
    a run from before they were logged, the project spec's (the only place they came from)."""
    setup = None if model.run is None else SearchSetup.from_params(get_run(ws, model.run).params)
    if setup is None or not setup.folds_logged:
        return spec.group_column, spec.time_column
    return setup.group_column, setup.time_column


def _training_cost(ws: Workspace, model: ModelVersion) -> float | None:
    if model.run is None:
        return None
    cost = get_run(ws, model.run).metrics.get("cost")
    return None if cost is None else float(cost)
