"""One trial, run inside a worker: fit a family on every fold, score out-of-fold predictions.

Everything here must be deterministic for a given `SearchData` and `TrialSpec`: a trial gives
the same outcome on the local pool and on Ray, which is what makes `--trials N` reproducible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from modelward.spec import Task
from modelward.training.families import FitData, FitOptions, get_family
from modelward.training.folds import Fold
from modelward.training.kinds import Style
from modelward.training.metrics import METRICS

MIN_FOLDS_BEFORE_PRUNING = 2


class TrialState(StrEnum):
    COMPLETE = "complete"
    PRUNED = "pruned"  # stopped early: its first folds were worse than most trials' so far
    FAILED = "failed"
    TIMEOUT = "timeout"  # the budget ran out before every fold was fitted


@dataclass(frozen=True)
class StyleMatrices:
    """The features of one encoding style, encoded fold by fold (encoders fitted on `train`)."""

    train: tuple[np.ndarray, ...]  # rows in the order of `Fold.train`
    valid: tuple[np.ndarray, ...]  # rows in the order of `Fold.valid`
    # Per fold: a fold's encoder may see other category levels, hence other columns.
    feature_names: tuple[tuple[str, ...], ...]
    categorical: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class SearchData:
    """What every worker needs, sent to each once per search."""

    task: Task
    n_classes: int
    y: np.ndarray
    folds: tuple[Fold, ...]
    styles: dict[Style, StyleMatrices]
    metric: str
    seed: int
    threads: int = 1


@dataclass(frozen=True)
class TrialSpec:
    number: int
    family: str
    params: dict[str, Any]
    deadline: float | None = None
    # The losses a trial must beat after each fold to go on (median of trials so far).
    prune_bar: tuple[float, ...] = ()


@dataclass(frozen=True)
class TrialOutcome:
    number: int
    family: str
    params: dict[str, Any]
    state: TrialState
    score: float | None
    fold_scores: tuple[float, ...]
    rounds: tuple[int, ...]
    fit_seconds: float
    cpu_seconds: float = 0.0
    oof: np.ndarray | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def mean_rounds(self) -> int | None:
        return round(float(np.mean(self.rounds))) if self.rounds else None


def evaluate_trial(data: SearchData, spec: TrialSpec) -> TrialOutcome:
    """Fit `spec` on each fold in turn; stop early when pruned, past the deadline or failing."""
    started = (time.perf_counter(), time.process_time())
    try:
        return _evaluate(data, spec, started)
    # A family failing on odd data is a failed trial, not a failed search.
    except Exception as exc:
        return _outcome(
            spec, TrialState.FAILED, (), (), started, error=f"{type(exc).__name__}: {exc}"
        )


def _evaluate(data: SearchData, spec: TrialSpec, started: tuple[float, float]) -> TrialOutcome:
    family = get_family(spec.family)
    metric = METRICS[data.metric]
    matrices = data.styles[family.style]
    oof = _empty_oof(data)
    scores: list[float] = []
    rounds: list[int] = []
    for i, fold in enumerate(data.folds):
        if spec.deadline is not None and time.time() > spec.deadline:
            return _outcome(spec, TrialState.TIMEOUT, scores, rounds, started)
        fit_data = fold_fit_data(data, fold, matrices, i, boosted=family.boosted)
        options = FitOptions(seed=data.seed, threads=data.threads, deadline=spec.deadline)
        model = family.fit(spec.params, fit_data, options)
        pred = model.predict(matrices.valid[i])
        oof[fold.valid] = pred
        scores.append(metric.score(data.y[fold.valid], pred, data.n_classes))
        if model.rounds is not None:
            rounds.append(model.rounds)
        if _pruned(metric.loss(float(np.mean(scores))), spec.prune_bar, len(scores)):
            return _outcome(spec, TrialState.PRUNED, scores, rounds, started)
    score = float(np.mean(scores))
    return _outcome(spec, TrialState.COMPLETE, scores, rounds, started, score=score, oof=oof)


def fold_fit_data(
    data: SearchData, fold: Fold, m: StyleMatrices, i: int, *, boosted: bool
) -> FitData:
    x, y = m.train[i], data.y[fold.train]
    names, categorical = m.feature_names[i], m.categorical[i]
    if not boosted:
        return FitData(data.task, x, y, data.n_classes, names, categorical)
    fit_pos = np.searchsorted(fold.train, fold.fit)
    stop_pos = np.searchsorted(fold.train, fold.stop)
    return FitData(
        data.task,
        x[fit_pos],
        y[fit_pos],
        data.n_classes,
        names,
        categorical,
        X_valid=x[stop_pos],
        y_valid=y[stop_pos],
    )


def _pruned(loss: float, bar: tuple[float, ...], folds_done: int) -> bool:
    if folds_done < MIN_FOLDS_BEFORE_PRUNING or folds_done > len(bar):
        return False
    return loss > bar[folds_done - 1]


def _empty_oof(data: SearchData) -> np.ndarray:
    n = len(data.y)
    shape = (n, data.n_classes) if data.n_classes else (n,)
    return np.full(shape, np.nan)


def _outcome(
    spec: TrialSpec,
    state: TrialState,
    scores: list[float] | tuple[float, ...],
    rounds: list[int] | tuple[int, ...],
    started: tuple[float, float],
    *,
    score: float | None = None,
    oof: np.ndarray | None = None,
    error: str | None = None,
) -> TrialOutcome:
    return TrialOutcome(
        number=spec.number,
        family=spec.family,
        params=spec.params,
        state=state,
        score=score,
        fold_scores=tuple(scores),
        rounds=tuple(rounds),
        fit_seconds=time.perf_counter() - started[0],
        cpu_seconds=time.process_time() - started[1],
        oof=oof,
        error=error,
    )
