"""From a frame to what the search needs: target, feature plan, folds, encoded fold matrices.

Each fold's encoder is fitted on that fold's training rows only, so no statistic of a
validation row (a category's frequency, a target mean, a median) leaks into its own score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from modelward.spec import Task
from modelward.training.encode import Encoder
from modelward.training.features import FeaturePlan, plan_features
from modelward.training.folds import Fold, choose_k, make_folds
from modelward.training.kinds import Style
from modelward.training.target import Label, Target, detect_target
from modelward.training.trial import SearchData, StyleMatrices

SEARCH_ROWS = 200_000  # above this, the search runs on a sample; the final refit uses all rows


@dataclass(frozen=True)
class Problem:
    """What to learn and how to split it; the caller's choices, already validated."""

    target: str
    task: Task = Task.AUTO
    positive: Label | None = None
    metric: str = ""
    seed: int = 0
    exclude: tuple[str, ...] = ()  # columns never used as features (sensitive, group)
    group_column: str | None = None
    time_column: str | None = None
    threads: int = 1


@dataclass(frozen=True)
class Prepared:
    frame: pl.DataFrame  # the training rows: every row with a target value
    target: Target
    y: np.ndarray
    plan: FeaturePlan
    data: SearchData  # the search's rows (all rows, or a sample when there are many)
    search_rows: np.ndarray  # which rows of `frame` the search uses
    notes: tuple[str, ...]


def prepare_problem(frame: pl.DataFrame, problem: Problem) -> Prepared:
    """Check the target, plan the features, split, encode (both styles: baselines use both)."""
    notes: list[str] = []
    labelled = _labelled(frame, problem.target, notes)
    target = detect_target(labelled, problem.target, task=problem.task, positive=problem.positive)
    y = target.encode(labelled[problem.target])
    plan = plan_features(labelled, target=problem.target, exclude=problem.exclude)
    notes += [f"column {d.name!r} not used: {d.reason}" for d in plan.dropped]
    notes += [
        f"column {c!r} not used: {_why_excluded(c, problem)}"
        for c in problem.exclude
        if c in labelled.columns
    ]
    rows = _search_rows(len(y), problem.seed, notes)
    sample, y_sample = labelled[rows], y[rows]
    folds = problem_folds(sample, y_sample, target, problem)
    matrices = {
        style: _encode_folds(plan, sample, y_sample, folds, style, target.task, problem.seed)
        for style in (Style.TREE, Style.LINEAR)
    }
    data = SearchData(
        task=target.task,
        n_classes=target.n_classes,
        y=y_sample,
        folds=folds,
        styles=matrices,
        metric=problem.metric,
        seed=problem.seed,
        threads=problem.threads,
    )
    return Prepared(labelled, target, y, plan, data, rows, tuple(notes))


def _labelled(frame: pl.DataFrame, column: str, notes: list[str]) -> pl.DataFrame:
    if column not in frame.columns:
        return frame  # detect_target names the problem
    present = frame[column].is_not_null()
    if frame[column].dtype.is_float():
        present &= frame[column].is_not_nan()
    missing = frame.height - int(present.sum())
    if missing and missing < frame.height:
        notes.append(f"{missing} row(s) without a target value left out of training")
        return frame.filter(present)
    return frame


def _why_excluded(column: str, problem: Problem) -> str:
    if column == problem.group_column:
        return "the group column splits the folds"
    return "a sensitive attribute (kept for the fairness checks, not as a feature)"


def _search_rows(n: int, seed: int, notes: list[str]) -> np.ndarray:
    if n <= SEARCH_ROWS:
        return np.arange(n)
    notes.append(f"the search used a sample of {SEARCH_ROWS:,} of {n:,} rows; the refit used all")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=SEARCH_ROWS, replace=False))


def problem_folds(
    frame: pl.DataFrame, y: np.ndarray, target: Target, problem: Problem
) -> tuple[Fold, ...]:
    """The folds training would cut `frame` into: by time, by group or stratified by class."""
    smallest = int(np.bincount(y).min()) if target.is_classification else None
    k = choose_k(len(y), smallest)
    groups = None if problem.group_column is None else _codes(frame[problem.group_column])
    order = None if problem.time_column is None else _codes(frame[problem.time_column])
    return make_folds(
        y,
        classification=target.is_classification,
        k=k,
        seed=problem.seed,
        groups=groups,
        order=order,
    )


def _codes(values: pl.Series) -> np.ndarray:
    """Order-preserving integer codes of any column, nulls first."""
    return values.rank(method="dense").fill_null(0).to_numpy()


def _encode_folds(
    plan: FeaturePlan,
    frame: pl.DataFrame,
    y: np.ndarray,
    folds: tuple[Fold, ...],
    style: Style,
    task: Task,
    seed: int,
) -> StyleMatrices:
    train: list[np.ndarray] = []
    valid: list[np.ndarray] = []
    encoders: list[Encoder] = []
    for fold in folds:
        encoder, x_train = Encoder.fit(
            plan, frame[fold.train], style=style, task=task, y=y[fold.train], seed=seed
        )
        train.append(x_train)
        valid.append(encoder.transform(frame[fold.valid]))
        encoders.append(encoder)
    return StyleMatrices(
        tuple(train),
        tuple(valid),
        tuple(e.feature_names for e in encoders),
        tuple(e.categorical for e in encoders),
    )
