"""The `train` use case: data in, a searched, refitted, signed and registered model out."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from modelward.audit import add_findings
from modelward.backends.executor import open_executor
from modelward.datasets import DatasetVersion
from modelward.errors import InputError, NotFound
from modelward.registry import ModelVersion
from modelward.spec import ProjectSpec, Task
from modelward.tracking import ActiveRun
from modelward.training.budget import Budget
from modelward.training.bundle import build_bundle
from modelward.training.ensemble import Blend, select_blend
from modelward.training.evidence import Evidence, fold_of_rows
from modelward.training.families import Family, all_families
from modelward.training.job import SingleFitJob, Step, start_job
from modelward.training.kinds import Kind
from modelward.training.metrics import Metric, get_metric
from modelward.training.options import TrainOptions
from modelward.training.prepare import Prepared, Problem, prepare_problem
from modelward.training.record import log_outcome, log_setup, log_trial, save_trials
from modelward.training.refit import FinalModel, export_members, fitted_predictions, refit_final
from modelward.training.result import TrainResult
from modelward.training.scan import scan_training_rows
from modelward.training.search import OnTrial, SearchPlan, SearchState, plan_batch, run_search
from modelward.training.selection import candidate_families, search_context
from modelward.training.source import Source, open_source, project_spec
from modelward.training.target import Target
from modelward.training.trial import TrialOutcome, TrialSpec, evaluate_trial
from modelward.training.version import Built, register_built
from modelward.workspace import Workspace


@dataclass(frozen=True)
class _Job:
    ws: Workspace
    run: ActiveRun
    project: str
    spec: ProjectSpec
    prepared: Prepared
    metric: Metric
    options: TrainOptions
    budget: Budget
    version: DatasetVersion


def train(
    ws: Workspace,
    data: str,
    options: TrainOptions,
    *,
    on_trial: OnTrial | None = None,
    on_step: Step | None = None,
) -> TrainResult:
    """Search models on `data` within the budget; register the winner as a candidate version.

    Every input is checked before anything is written; once the run has started, a failure
    marks it failed and registers no model.
    """
    budget = Budget(time.time(), options.effective_budget)
    options = _with_executor(ws, options)
    step = on_step or (lambda _s: None)
    try:
        source, spec = _framed(ws, data, options, step)
        # A forecast or a segmentation is not a search over model families: its own job.
        other = _single_fit_job(source, spec, options, step)
        checked = None if other is not None else _checked(source, spec, options, step)
    except (InputError, NotFound) as exc:
        # Nothing is written for a refused job but the record that it was refused, and why.
        with ws.transaction() as conn:
            ws.record(conn, "train.refused", "train", {"data": data, "reason": exc.message})
        raise
    if other is not None:
        return other.run(ws, source, budget, step)
    assert checked is not None
    prepared, metric, families = checked
    started = start_job(ws, source, spec, options)
    version, run = started.version, started.run
    with run:
        job = _Job(ws, run, source.project, spec, prepared, metric, options, budget, version)
        folds_by = (spec.group_column, spec.time_column)
        log_setup(run, prepared, options, metric, families, version.content_hash, folds_by)
        plan = SearchPlan(
            families=families,
            context=search_context(prepared),
            metric=metric,
            seed=options.seed,
            batch=plan_batch(options.effective_workers),
            trials=options.trials,
            end=budget.end,
        )
        step("searching")
        state = _search(job, plan, on_trial)
        rescued = _fit_baselines_if_nothing_finished(job, plan, state, on_trial)
        step("refitting and registering the best")
        return _finish(job, state, rescued)


def _single_fit_job(
    source: Source, spec: ProjectSpec, options: TrainOptions, step: Step
) -> SingleFitJob | None:
    """The checked job for a forecast or a segmentation; None for a tabular task."""
    if spec.task is Task.FORECAST:
        from modelward.training.forecasting import plan_forecast

        return plan_forecast(source, spec, options, step)
    if spec.task is Task.SEGMENT:
        from modelward.training.segmenting import plan_segments

        return plan_segments(source, spec, options, step)
    return None


def _framed(
    ws: Workspace, data: str, options: TrainOptions, step: Step
) -> tuple[Source, ProjectSpec]:
    options.validate()
    step("reading data")
    source = open_source(ws, data, options)
    return source, project_spec(source, options)


def _checked(
    source: Source, spec: ProjectSpec, options: TrainOptions, step: Step
) -> tuple[Prepared, Metric, tuple[Family, ...]]:
    """Every check of a tabular training job's inputs, before anything is written."""
    step("checking the target and features")
    prepared = prepare_problem(source.frame, training_problem(spec, options))
    _check_action(spec, prepared.target)
    metric = get_metric(spec.metric, prepared.target.task)
    prepared = dataclasses.replace(
        prepared, data=dataclasses.replace(prepared.data, metric=metric.name)
    )
    return prepared, metric, candidate_families(prepared.target.task, options)


def _check_action(spec: ProjectSpec, target: Target) -> None:
    """The spec's action names the decision: it may not read as one of the target's labels."""
    clash = None if spec.action is None else spec.action.clash(target.classes)
    if spec.action is not None and clash is not None:
        labels = ", ".join(sorted(str(c) for c in target.classes))
        raise InputError.field(
            "action.name",
            spec.action.name,
            f"a decision name that is not a class label of {target.column!r} ({labels}): "
            f"{clash!r} is one; e.g. retention_offer",
        )


def training_problem(spec: ProjectSpec, options: TrainOptions) -> Problem:
    assert spec.target is not None
    return Problem(
        target=spec.target,
        task=spec.task,
        positive=spec.positive_label,
        seed=options.seed,
        exclude=tuple(c for c in (*spec.sensitive, spec.group_column) if c),
        group_column=spec.group_column,
        time_column=spec.time_column,
    )


def _with_executor(ws: Workspace, options: TrainOptions) -> TrainOptions:
    """The executor and Ray address the flags give, else the workspace's settings: the CLI,
    the SDK, retraining and API training all run where the team configured."""
    executor = options.executor or ws.settings.executor
    address = options.ray_address or (ws.settings.ray_address if executor == "ray" else None)
    found = replace(options, executor=executor, ray_address=address)
    found.validate()
    return found


def _search(job: _Job, plan: SearchPlan, on_trial: OnTrial | None) -> SearchState:
    def trial_done(outcome: TrialOutcome, state: SearchState) -> None:
        log_trial(job.run, outcome, state)
        if on_trial is not None:
            on_trial(outcome, state)

    options = job.options
    executor = open_executor(
        options.executor or "local", workers=_slots(options), address=options.ray_address
    )
    # As many trials at once as the executor has slots: on a cluster, the cluster's CPUs.
    plan = replace(plan, batch=plan_batch(executor.workers))
    try:
        with executor.session(job.prepared.data) as session:
            return run_search(
                job.prepared.data, plan, session, on_trial=trial_done, reserve=job.budget.reserve
            )
    finally:
        executor.close()


def _slots(options: TrainOptions) -> int | None:
    """Trials at once: --workers, else the CPUs this process may use; on a Ray cluster this
    machine's CPUs say nothing of the cluster's, so only --workers caps it there."""
    joining = options.executor == "ray" and (options.ray_address or os.environ.get("RAY_ADDRESS"))
    return options.workers if joining else options.effective_workers


def _fit_baselines_if_nothing_finished(
    job: _Job, plan: SearchPlan, state: SearchState, on_trial: OnTrial | None
) -> tuple[str, ...]:
    """Always a model: when no trial finished in time (a busy machine, a small budget), the
    baselines are fitted here, in this process (milliseconds to a second), and the best is the
    model, with a note that says why nothing better fit."""
    if state.complete():
        return ()
    tried = len(state.outcomes)
    for family in (f for f in plan.families if f.kind is Kind.BASELINE):
        spec = TrialSpec(len(state.outcomes), family.name, family.defaults(plan.context))
        outcome = evaluate_trial(job.prepared.data, spec)
        state.outcomes.append(outcome)
        log_trial(job.run, outcome, state)
        if on_trial is not None:
            on_trial(outcome, state)
    within = "in time" if job.budget.seconds is None else f"within {job.budget.seconds:g} s"
    what = f"0 of {tried} trial(s) finished" if tried else "no trial could start"
    return (
        f"{what} {within} (a busy machine, or a small budget): the model is the best "
        "baseline, fitted in this process; a larger budget searches more",
    )


def _finish(job: _Job, state: SearchState, rescued: tuple[str, ...] = ()) -> TrainResult:
    ranked = state.complete()
    if not ranked:
        raise job.budget.nothing_finished(state)
    prepared = job.prepared
    baselines = {f.name for f in all_families() if f.kind is Kind.BASELINE}
    blend = select_blend(
        ranked, prepared.data.y, job.metric, prepared.target.n_classes, baselines=baselines
    )
    final = refit_final(
        prepared,
        blend,
        seed=job.options.seed,
        threads=job.options.effective_workers,
        deadline=job.budget.refit_deadline,
    )
    members, files, export_notes = export_members(final, seed=job.options.seed)
    notes = (*rescued, *prepared.notes, *export_notes)
    bundle = build_bundle(prepared, final, members, job.metric, blend.score)
    built = Built(
        task=prepared.target.task.value,
        metric=job.metric.name,
        score=blend.score,
        manifest=bundle.to_json(),
        files=files,
        evidence=_evidence(prepared, blend, final, state),
        members=tuple(m.summary_line() for m in bundle.members),
        trials=len(state.outcomes),
        ensemble=blend.is_ensemble,
        notes=notes,
    )
    model = register_built(job.ws, project=job.project, run_uid=job.run.uid, built=built)
    _scan(job, blend)
    save_trials(job.ws, job.run, state)
    log_outcome(job.run, state, blend, model.ref, job.budget, job.spec)
    return _result(job, model, blend, built.members, state, notes)


def _evidence(prepared: Prepared, blend: Blend, final: FinalModel, state: SearchState) -> Evidence:
    rows = prepared.search_rows
    return Evidence(
        target=prepared.target,
        frame=prepared.frame[rows],
        y=prepared.data.y,
        oof=blend.oof(),
        fitted=fitted_predictions(final, rows),
        baselines=_baseline_oof(state),
        folds=fold_of_rows(len(rows), [fold.valid for fold in prepared.data.folds]),
    )


def _baseline_oof(state: SearchState) -> dict[str, np.ndarray]:
    """Each baseline family's best out-of-fold predictions (ranked best first)."""
    baselines = {f.name for f in all_families() if f.kind is Kind.BASELINE}
    found: dict[str, np.ndarray] = {}
    for outcome in state.complete():
        if outcome.family in baselines and outcome.family not in found and outcome.oof is not None:
            found[outcome.family] = outcome.oof
    return found


def _scan(job: _Job, blend: Blend) -> None:
    prepared = job.prepared
    findings = scan_training_rows(
        prepared.frame[prepared.search_rows],
        prepared.target,
        prepared.data.y,
        blend.oof(),
        prepared.plan.names,
    )
    add_findings(job.ws, job.version, findings, source=f"run/{job.run.uid}")


def _result(
    job: _Job,
    model: ModelVersion,
    blend: Blend,
    members: tuple[Mapping[str, Any], ...],
    state: SearchState,
    notes: tuple[str, ...],
) -> TrainResult:
    board = tuple(
        {
            "trial": o.number,
            "family": o.family,
            "score": o.score,
            "seconds": round(o.fit_seconds, 3),
        }
        for o in state.complete()[:10]
    )
    return TrainResult(
        run=job.run.uid,
        model=model,
        metric=job.metric.name,
        score=blend.score,
        dataset=job.version.ref,
        task=job.prepared.target.task.value,
        members=tuple(dict(m) for m in members),
        trials=len(state.outcomes),
        seconds=job.budget.elapsed(),
        budget=job.budget.seconds,
        notes=notes,
        leaderboard=board,
    )
