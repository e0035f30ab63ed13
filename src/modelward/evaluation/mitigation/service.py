"""The `mitigate` use case: a new model version with less unfairness, and the price it paid.

One of three methods (pre-, in- or post-processing) makes a new version from an evaluated one;
the new version is cross-validated on the original's folds, registered beside it (a candidate,
tracked by its own run) and evaluated, and its evaluation carries a "mitigation" section that
sets its facts against the original's: what fairness it gained, what accuracy and money it cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelward.errors import InputError
from modelward.evaluation.mitigation.constraint import CONSTRAINTS, constrain
from modelward.evaluation.mitigation.postprocess import (
    RULE_NOTE,
    attach_rule,
    choose_rule,
    rule_details,
)
from modelward.evaluation.mitigation.refit import Mitigated, Original, load_original, rebuild
from modelward.evaluation.mitigation.reweigh import reweigh
from modelward.evaluation.report import trade_off
from modelward.evaluation.service import evaluate_model
from modelward.model import StoredEvaluation, latest_evaluation
from modelward.registry import ModelVersion
from modelward.spec import Task
from modelward.tracking import ActiveRun, start_run
from modelward.training import Built, register_built
from modelward.workspace import Workspace

Step = Callable[[str], None]
METHODS = {
    "reweigh": "reweighing",
    "constraint": "a fairness constraint",
    "threshold": "per-group thresholds",
}


@dataclass(frozen=True)
class MitigationResult:
    """The new version, its evaluation and the trade-off against the original."""

    model: ModelVersion
    source: str  # the original version's reference
    method: str
    run: str
    evaluation: StoredEvaluation
    seconds: float

    @property
    def comparison(self) -> dict[str, Any]:
        """The evaluation's mitigation section: before, after and the sentence."""
        found = self.evaluation.report.get("mitigation")
        return found if isinstance(found, dict) else {}

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model.ref,
            "from": self.source,
            "method": self.method,
            "run": self.run,
            "evaluation": self.evaluation.id,
            "mitigation": self.comparison,
            "details": self.model.summary.get("mitigation", {}).get("details", {}),
            "seconds": round(self.seconds, 2),
        }


def mitigate_model(
    ws: Workspace,
    ref: str,
    method: str,
    *,
    constraint: str = "dp",
    workers: int | None = None,
    on_step: Step | None = None,
) -> MitigationResult:
    """Make, register and evaluate a mitigated version of `ref` by `method`.

    `method`: reweigh (pre-processing), constraint (in-processing: `constraint` dp or eo) or
    threshold (post-processing, binary only). The original is evaluated first if it never was.
    Raises InputError for an unknown method, a spec without sensitive attributes or a task the
    method cannot handle; Conflict when the spec changed the features since training.
    """
    started = time.perf_counter()
    step = on_step or (lambda _s: None)
    _check(method, constraint)
    original = load_original(ws, ref)
    _check_task(method, original.evidence.target.task)
    step(f"evaluating {original.model.ref} (before)")
    before = _before(ws, original)
    tags = {"mitigates": original.model.ref, "method": method}
    run = start_run(
        ws,
        name=f"mitigate-{method}",
        project=original.model.project,
        dataset=original.dataset,
        tags=tags,
        seed=original.seed,
    )
    with run:
        run.log_params(
            {**tags, "seed": original.seed, "constraint": _constraint(method, constraint)}
        )
        step(method)
        mitigated = _apply(ws, original, method, constraint, workers)
        run.log_metric("cv_score", mitigated.score)
        record = {"method": method, "from": original.model.ref, "label": _label(method, constraint)}
        model = _register(ws, run, original, mitigated, record | {"before": before})
    with ws.transaction() as conn:
        payload = {"from": original.model.ref, "method": method}
        ws.record(conn, "model.mitigated", f"model/{model.ref}", payload)
    step(f"evaluating {model.ref} (after)")
    evaluation = evaluate_model(ws, model.ref)
    return MitigationResult(
        model, original.model.ref, method, run.uid, evaluation, time.perf_counter() - started
    )


def _check(method: str, constraint: str) -> None:
    if method not in METHODS:
        raise InputError.field("--method", method, " or ".join(METHODS))
    if constraint not in CONSTRAINTS:
        raise InputError.field(
            "--constraint", constraint, "dp (demographic parity) or eo (equalized odds)"
        )


def _check_task(method: str, task: Task) -> None:
    """Before anything is written: the method must fit the model's task."""
    if task is Task.REGRESSION:
        raise InputError.field("MODEL", "a regression model", "a classification model")
    if method in ("constraint", "threshold") and task is not Task.BINARY:
        raise InputError.field("--method", method, f"reweigh for a {task.value} model")


def _label(method: str, constraint: str) -> str:
    """The method as a sentence names it: "reweighing lowered the ..." """
    if method == "constraint":
        return f"the {CONSTRAINTS[constraint]} constraint"
    return METHODS[method]


def _constraint(method: str, constraint: str) -> str:
    return constraint if method == "constraint" else "-"


def _before(ws: Workspace, original: Original) -> dict[str, float | None]:
    """The original's trade-off numbers, from its newest evaluation (made now if it has none)."""
    found = latest_evaluation(ws, original.model) or evaluate_model(ws, original.model.ref)
    return trade_off(found.facts, original.model.metric)


def _apply(
    ws: Workspace, original: Original, method: str, constraint: str, workers: int | None
) -> Mitigated:
    if method == "threshold":
        return threshold_rule(original)
    rebuilt = rebuild(ws, original, workers=workers)
    if method == "reweigh":
        return reweigh(original, rebuilt)
    return constrain(original, rebuilt, constraint)


def threshold_rule(original: Original) -> Mitigated:
    """The original members with a per-group decision rule chosen on their out-of-fold rows."""
    evidence = original.evidence  # binary: `_check_task` refused any other task already
    rows = evidence.scored
    columns = tuple(original.spec.sensitive)
    p_pos = evidence.oof[rows, 1]
    choice = choose_rule(
        evidence.y[rows], p_pos, evidence.frame[rows], columns, original.spec.value
    )
    manifest = attach_rule(original.manifest, choice, evidence.frame)
    # Same members, same out-of-fold probabilities: the original's evidence and score stand.
    score = float(original.model.score or 0.0)
    files = dict(original.bundle.files)
    notes = (*original.model.summary.get("notes", ()), RULE_NOTE)
    return Mitigated(manifest, files, evidence, score, rule_details(choice), notes)


def _register(
    ws: Workspace,
    run: ActiveRun,
    original: Original,
    mitigated: Mitigated,
    record: dict[str, Any],
) -> ModelVersion:
    """Like a trained version, plus the summary's `mitigation`: method, from, label, details,
    before."""
    members = tuple(m.summary_line() for m in mitigated.manifest.members)
    details = mitigated.details
    notes = (*mitigated.notes, str(details.get("sentence", "")))
    built = Built(
        task=original.model.task,
        metric=original.model.metric,
        score=mitigated.score,
        manifest=mitigated.manifest.to_json(),
        files=mitigated.files,
        evidence=mitigated.evidence,
        members=members,
        trials=int(original.model.summary.get("trials", 0)),
        ensemble=len(members) > 1,
        notes=tuple(n for n in notes if n),
        sections={"mitigation": record | {"details": details}},
    )
    return register_built(ws, project=original.model.project, run_uid=run.uid, built=built)
