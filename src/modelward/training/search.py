"""The model search: baselines, each family's defaults, then Optuna's TPE.

The defaults are told to TPE as points of their family's space, so that its first proposals
already lean towards the families and settings that did well, instead of starting at random.

With `--trials N`, trials are asked in fixed-size batches and told back in trial order, so the
sequence of trials depends only on the seed and the batch size, never on which worker finished
first: the local pool and Ray run the same trials and pick the same model. Under a time budget
the result depends on the clock anyway, so no worker waits for a batch's slowest trial: each
trial starts as soon as a worker is free, proposed from every trial told so far.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import optuna

from modelward.backends.executor import Session
from modelward.training.families import Family, SpaceContext
from modelward.training.families.placing import as_point
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
    search = _Search(plan, SearchState(plan.metric), _study(plan), on_trial, reserve)
    if plan.trials is None and plan.end is not None:
        search.streamed(session)
    else:
        search.batched(session)
    return search.state


@dataclass
class _Search:
    """One search's proposals and bookkeeping: which trial comes next, and telling outcomes."""

    plan: SearchPlan
    state: SearchState
    study: optuna.Study
    on_trial: OnTrial | None
    reserve: Callable[[SearchState], float] | None
    asked: dict[int, optuna.Trial | None] = field(default_factory=dict)
    issued: int = 0

    @cached_property
    def fixed(self) -> list[tuple[str, dict[str, Any]]]:
        return _fixed_specs(self.plan)

    @cached_property
    def searched(self) -> dict[str, Family]:
        return {f.name: f for f in _searched(self.plan)}

    def batched(self, session: Session) -> None:
        while not _done(self.plan, self.state, self.reserve):
            end = _search_end(self.plan, self.state, self.reserve)
            specs = [spec for spec in self._batch(end) if spec is not None]
            if not specs:
                return
            # Trials stop themselves at `end`; the executor kills only those that cannot.
            hard_end = None if end is None else end + KILL_GRACE
            results = session.map(evaluate_trial, specs, deadline=hard_end)
            for spec, result in zip(specs, results, strict=True):
                self._told(spec, result)

    def streamed(self, session: Session) -> None:
        for spec, result in session.stream(evaluate_trial, self._ask_one):
            self._told(spec, result)

    def _batch(self, end: float | None) -> list[TrialSpec | None]:
        total = _total(self.plan)
        size = self.plan.batch if total is None else min(self.plan.batch, total - self.issued)
        return [self._propose(end) for _ in range(max(0, size))]

    def _ask_one(self) -> tuple[TrialSpec, float | None] | None:
        if _done(self.plan, self.state, self.reserve):
            return None
        end = _search_end(self.plan, self.state, self.reserve)
        spec = self._propose(end)
        if spec is None:
            return None
        return spec, None if end is None else end + KILL_GRACE

    def _propose(self, end: float | None) -> TrialSpec | None:
        """The next trial: a fixed one (baselines, then defaults), else TPE's proposal."""
        number, fixed, searched = self.issued, self.fixed, self.searched
        trial: optuna.Trial | None = None
        if number < len(fixed):
            name, params = fixed[number]
        elif searched:
            trial = self.study.ask()
            family = searched[trial.suggest_categorical("family", sorted(searched))]
            name, params = family.name, family.space(trial, self.plan.context)
        else:
            return None
        self.issued += 1
        self.asked[number] = trial
        return TrialSpec(number, name, params, end, self.state.prune_bar())

    def _told(self, spec: TrialSpec, result: TrialOutcome | None) -> None:
        outcome = result if result is not None else _timed_out(spec)
        self.state.outcomes.append(outcome)
        trial = self.asked.pop(spec.number)
        if trial is not None:
            _tell(self.study, trial, outcome, self.plan.metric)
        else:
            self._tell_fixed(outcome)
        if self.on_trial is not None:
            self.on_trial(outcome, self.state)

    def _tell_fixed(self, outcome: TrialOutcome) -> None:
        """A family's defaults are a point of its space: TPE learns from them as from its own
        trials, so its first proposals already favour the families and settings that did well."""
        family = self.searched.get(outcome.family)
        if family is None:
            return  # a baseline: not a point of any searched space
        point = as_point(family.name, family.space, outcome.params, self.plan.context)
        if point is None:
            return
        values, distributions = point
        family_choice = optuna.distributions.CategoricalDistribution(sorted(self.searched))
        told = _as_optuna(outcome, self.plan.metric)
        self.study.add_trial(
            optuna.trial.create_trial(
                params={"family": family.name, **values},
                distributions={"family": family_choice, **distributions},
                state=told.state,
                value=told.value,
                intermediate_values=told.losses,
            )
        )


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


@dataclass(frozen=True)
class _Told:
    """How an outcome reads to Optuna: its state, its loss when complete, its loss by fold."""

    state: optuna.trial.TrialState
    value: float | None
    losses: dict[int, float]


def _as_optuna(outcome: TrialOutcome, metric: Metric) -> _Told:
    losses = {step: metric.loss(score) for step, score in enumerate(outcome.fold_scores)}
    if outcome.state is TrialState.COMPLETE and outcome.score is not None:
        return _Told(optuna.trial.TrialState.COMPLETE, metric.loss(outcome.score), losses)
    # A trial that ended no fold says nothing of its settings: Optuna then ignores it.
    if outcome.state is TrialState.FAILED or not losses:
        return _Told(optuna.trial.TrialState.FAIL, None, losses)
    return _Told(optuna.trial.TrialState.PRUNED, None, losses)


def _tell(study: optuna.Study, trial: optuna.Trial, outcome: TrialOutcome, metric: Metric) -> None:
    told = _as_optuna(outcome, metric)
    for step, loss in told.losses.items():
        trial.report(loss, step)
    study.tell(trial, told.value, state=told.state)


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
