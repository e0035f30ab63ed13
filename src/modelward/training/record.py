"""What a training job writes to its run: setup params, trial scores, the outcome and cost."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from modelward.spec import ProjectSpec
from modelward.tracking import ActiveRun, TrialRecord, record_trials
from modelward.training.budget import Budget
from modelward.training.ensemble import Blend
from modelward.training.families import Family
from modelward.training.metrics import Metric
from modelward.training.options import TrainOptions
from modelward.training.prepare import Prepared
from modelward.training.search import SearchState
from modelward.training.setup import SearchSetup
from modelward.training.trial import TrialOutcome, TrialState
from modelward.workspace import Workspace


def log_setup(
    run: ActiveRun,
    prepared: Prepared,
    options: TrainOptions,
    metric: Metric,
    families: Sequence[Family],
    dataset_sha256: str,
    folds_by: tuple[str | None, str | None] = (None, None),  # group column, time column
) -> None:
    setup = SearchSetup(
        task=prepared.target.task.value,
        target=prepared.target.column,
        metric=metric.name,
        budget=options.effective_budget,
        trials=options.trials,
        seed=options.seed,
        executor=options.executor,
        workers=options.effective_workers,
        families=tuple(f.name for f in families),
        interpretable=options.interpretable,
        rows=len(prepared.y),
        features=len(prepared.plan.columns),
        folds=len(prepared.data.folds),
        dataset_sha256=dataset_sha256,
        group_column=folds_by[0],
        time_column=folds_by[1],
    )
    run.log_params(setup.to_params())


def log_trial(run: ActiveRun, outcome: TrialOutcome, state: SearchState) -> None:
    if outcome.score is not None:
        run.log_metric("trial_score", outcome.score, step=outcome.number)
    best = state.best
    if best is not None and best.score is not None:
        run.log_metric("best_score", best.score, step=outcome.number)


def save_trials(ws: Workspace, run: ActiveRun, state: SearchState) -> None:
    records = [_record(o, state.metric.greater_is_better) for o in state.outcomes]
    record_trials(ws, run.uid, records, greater_is_better=state.metric.greater_is_better)


def _record(o: TrialOutcome, greater_is_better: bool) -> TrialRecord:
    return TrialRecord(
        number=o.number,
        family=o.family,
        params=dict(o.params),
        state=o.state.value,
        score=o.score if o.score is not None and math.isfinite(o.score) else None,
        fold_scores=[s for s in o.fold_scores if math.isfinite(s)],
        fit_seconds=o.fit_seconds,
        info={
            "rounds": list(o.rounds),
            "cpu_seconds": o.cpu_seconds,
            "error": o.error,
            "greater_is_better": greater_is_better,
        },
        finished_at=None,
    )


def log_outcome(
    run: ActiveRun,
    state: SearchState,
    blend: Blend,
    model_ref: str,
    budget: Budget,
    spec: ProjectSpec,
) -> None:
    """The run's headline figures, its compute and what it cost under the spec's prices."""
    counts = {s: sum(o.state is s for o in state.outcomes) for s in TrialState}
    cpu = time.process_time() + sum(o.cpu_seconds for o in state.outcomes)
    run.log_param("model", model_ref)
    run.log_metrics(
        {
            "cv_score": blend.score,
            "trials_total": float(len(state.outcomes)),
            "trials_complete": float(counts[TrialState.COMPLETE]),
            "trials_pruned": float(counts[TrialState.PRUNED]),
            "trials_failed": float(counts[TrialState.FAILED]),
            "compute_cpu_seconds": cpu,
            "cost": cpu / 3600.0 * spec.prices.cpu_hour,
            "wall_seconds": budget.elapsed(),
        }
    )
