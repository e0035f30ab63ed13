"""The model search: baselines, each family's defaults, then Optuna's TPE, in batches.

Trials are asked in fixed-size batches and told back in trial order, so the sequence of trials
depends only on the seed and the batch size, never on which worker finished first: with
`--trials N`, the local pool and Ray run the same trials and pick the same model.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna

from modelward.backends.executor import Session
from modelward.training.families import Family, SpaceContext
from modelward.training.kinds import Kind
from modelward.training.metrics import Metric
from modelward.training.trial import (
    SearchData,
    TrialOutcome,
    TrialSpec,
    TrialState,
    evaluate_trial,
)

STARTUP_TRIALS = 6
MIN_FOR_PRUNING = 4
KILL_GRACE = 1.0

OnTrial = Callable[[TrialOutcome, "SearchState"], None]


@dataclass(frozen=True)
class SearchPlan:
    """How long and what to search. Either `trials` or `end` (a time.time()) bounds it."""

    families: tuple[Family, ...]
    context: SpaceContext
    metric: Metric
    seed: int
    batch: int
    trials: int | None = None
    end: float | None = None


@dataclass
class SearchState:
    """The trials so far, best first on demand. Owned by the search loop."""

    metric: Metric
    outcomes: list[TrialOutcome] = field(default_factory=list)

    def complete(self) -> list[TrialOutcome]:
        done = [o for o in self.outcomes if o.state is TrialState.COMPLETE and o.score is not None]
        return sorted(done, key=lambda o: (self.metric.loss(o.score or 0.0), o.number))

    @property
    def best(self) -> TrialOutcome | None:
        ranked = self.complete()
        return ranked[0] if ranked else None

    def prune_bar(self) -> tuple[float, ...]:
        """Median running loss after each fold over complete trials (a median pruner)."""
        done = self.complete()
        if len(done) < MIN_FOR_PRUNING:
            return ()
        losses = np.array([[self.metric.loss(s) for s in o.fold_scores] for o in done])
        running = np.cumsum(losses, axis=1) / np.arange(1, losses.shape[1] + 1)
        return tuple(float(v) for v in np.median(running, axis=0))


def run_search(
    data: SearchData,
    plan: SearchPlan,
    session: Session,
    *,
    on_trial: OnTrial | None = None,
    reserve: Callable[[SearchState], float] | None = None,
) -> SearchState:
    """Run trials until the plan's count or time is spent; `reserve` keeps seconds for the end."""
    state = SearchState(plan.metric)
    study = _study(plan)
    fixed = _fixed_specs(plan)
    while not _done(plan, state, reserve):
        end = _search_end(plan, state, reserve)
        batch = _next_batch(plan, study, fixed, len(state.outcomes), end)
        if not batch:
            break
        specs = [spec for spec, _trial in batch]
        # Trials stop themselves at `end`; the executor kills only those that cannot.
        hard_end = None if end is None else end + KILL_GRACE
        specs = [_with_bar(s, state) for s in specs]
        results = session.map(evaluate_trial, specs, deadline=hard_end)
        for (spec, trial), result in zip(batch, results, strict=True):
            outcome = result if result is not None else _timed_out(spec)
            state.outcomes.append(outcome)
            if trial is not None:
                _tell(study, trial, outcome, plan.metric)
            if on_trial is not None:
                on_trial(outcome, state)
    return state


def _study(plan: SearchPlan) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        # `multivariate` and `group` are marked experimental; they model the conditional space
        # (each family's own parameters) far better than independent sampling.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(
            seed=plan.seed,
            n_startup_trials=STARTUP_TRIALS,
            multivariate=True,
            group=True,
            constant_liar=True,
        )
    return optuna.create_study(direction="minimize", sampler=sampler)


def _fixed_specs(plan: SearchPlan) -> list[tuple[str, dict[str, Any]]]:
    """Baselines, then every searched family's defaults, before TPE proposes anything."""
    ordered = sorted(plan.families, key=lambda f: f.kind is not Kind.BASELINE)
    return [(f.name, f.defaults(plan.context)) for f in ordered]


def _total(plan: SearchPlan) -> int | None:
    """`--trials N` counts searched trials; the baselines always run on top of them."""
    if plan.trials is None:
        return None
    return plan.trials + sum(f.kind is Kind.BASELINE for f in plan.families)


def _searched(plan: SearchPlan) -> list[Family]:
    return [f for f in plan.families if f.kind is not Kind.BASELINE]


def _next_batch(
    plan: SearchPlan,
    study: optuna.Study,
    fixed: list[tuple[str, dict[str, Any]]],
    done: int,
    end: float | None,
) -> list[tuple[TrialSpec, optuna.Trial | None]]:
    total = _total(plan)
    size = plan.batch if total is None else min(plan.batch, total - done)
    batch: list[tuple[TrialSpec, optuna.Trial | None]] = []
    searched = {f.name: f for f in _searched(plan)}
    for number in range(done, done + max(0, size)):
        if number < len(fixed):
            name, params = fixed[number]
            batch.append((TrialSpec(number, name, params, end), None))
        elif searched:
            trial = study.ask()
            family = searched[trial.suggest_categorical("family", sorted(searched))]
            params = family.space(trial, plan.context)
            batch.append((TrialSpec(number, family.name, params, end), trial))
    return batch


def _with_bar(spec: TrialSpec, state: SearchState) -> TrialSpec:
    return TrialSpec(spec.number, spec.family, spec.params, spec.deadline, state.prune_bar())


def _tell(study: optuna.Study, trial: optuna.Trial, outcome: TrialOutcome, metric: Metric) -> None:
    for step, score in enumerate(outcome.fold_scores):
        trial.report(metric.loss(score), step)
    if outcome.state is TrialState.COMPLETE and outcome.score is not None:
        study.tell(trial, metric.loss(outcome.score))
    elif outcome.state is TrialState.FAILED:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)


def _timed_out(spec: TrialSpec) -> TrialOutcome:
    return TrialOutcome(
        spec.number, spec.family, spec.params, TrialState.TIMEOUT, None, (), (), 0.0
    )


def _search_end(
    plan: SearchPlan, state: SearchState, reserve: Callable[[SearchState], float] | None
) -> float | None:
    if plan.end is None:
        return None
    return plan.end - (reserve(state) if reserve is not None else 0.0)


def _done(
    plan: SearchPlan, state: SearchState, reserve: Callable[[SearchState], float] | None
) -> bool:
    total = _total(plan)
    if total is not None and len(state.outcomes) >= total:
        return True
    end = _search_end(plan, state, reserve)
    return end is not None and time.time() >= end - _min_trial_seconds(state)


def _min_trial_seconds(state: SearchState) -> float:
    """Starting a batch that cannot finish any trial would only waste the reserve."""
    seconds = [o.fit_seconds for o in state.outcomes if o.state is TrialState.COMPLETE]
    return 0.0 if not seconds else min(0.5 * float(np.median(seconds)), 5.0)


def plan_batch(workers: int) -> int:
    """Trials per batch: enough to keep every worker busy, fixed for a given worker count."""
    return max(2, workers)
