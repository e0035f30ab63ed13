"""Continued boosting, the mechanics of a warm start: each member of the champion grows on
from its own model (its family's `continue_fit` hook; LightGBM boosts on from its booster), fold
by fold for out-of-fold evidence, then on every row.

`retraining.warm` decides whether a champion can continue and registers the challenger; this
module grows the boosters and blends their predictions exactly as the predictor does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

from modelward.spec import ProjectSpec
from modelward.training import (
    ROUNDS_SCALE,
    Artifact,
    Encoder,
    Evidence,
    FitData,
    FitOptions,
    FittedModel,
    Fold,
    MemberEntry,
    Metric,
    Problem,
    Target,
    fold_of_rows,
    get_family,
    problem_folds,
)

BASELINES = ("prior", "one_rule")  # the baselines the champion's tree encoding can feed
THREADS = 1


@dataclass(frozen=True)
class Rows:
    """Labelled rows as the champion's encoder sees them."""

    frame: pl.DataFrame  # the labelled raw rows
    encoder: Encoder  # the champion's tree encoder, unchanged
    x: np.ndarray  # the rows as it encodes them
    y: np.ndarray


@dataclass(frozen=True)
class Member:
    entry: MemberEntry  # its manifest entry
    model: FittedModel


@dataclass(frozen=True)
class Grown:
    models: tuple[FittedModel, ...]
    added: tuple[int, ...]
    evidence: Evidence
    score: float
    folds: int


def load_member(entry: MemberEntry, files: Mapping[str, bytes]) -> Member:
    native = entry.native
    artifact = Artifact(native.format, native.file, files[native.file])
    model = get_family(entry.family).load(artifact)
    # warm_refusal let through only families that can continue, whose models are fitted ones
    return Member(entry, cast("FittedModel", model))


def grow(
    members: Sequence[Member],
    rows: Rows,
    target: Target,
    spec: ProjectSpec,
    metric: Metric,
    rounds: int,
    seed: int,
) -> Grown:
    folds = problem_folds(rows.frame, rows.y, target, warm_problem(rows.frame, target, spec, seed))
    oof = empty_predictions(target, len(rows.y))
    added: list[list[int]] = [[] for _ in members]
    for fold in folds:
        models = [continued(m, rows, target, fold.fit, fold.stop, rounds, seed) for m in members]
        for i, (member, model) in enumerate(zip(members, models, strict=True)):
            added[i].append(added_rounds(member, model))
        oof[fold.valid] = blend(members, models, rows.x[fold.valid])
    everything = np.arange(len(rows.y))
    final = tuple(
        continued(m, rows, target, everything, None, final_rounds(a, rounds), seed)
        for m, a in zip(members, added, strict=True)
    )
    evidence = Evidence(
        target=target,
        frame=rows.frame,
        y=rows.y,
        oof=oof,
        fitted=blend(members, final, rows.x),
        baselines=fold_baselines(rows, target, folds, seed),
        folds=fold_of_rows(len(rows.y), [fold.valid for fold in folds]),
    )
    grown_by = tuple(added_rounds(m, model) for m, model in zip(members, final, strict=True))
    scored = evidence.scored
    score = metric.score(rows.y[scored], oof[scored], target.n_classes)
    return Grown(final, grown_by, evidence, float(score), len(folds))


def warm_problem(frame: pl.DataFrame, target: Target, spec: ProjectSpec, seed: int) -> Problem:
    """The fold policy training followed, for the columns these rows have."""
    group = spec.group_column if spec.group_column in frame.columns else None
    time_column = spec.time_column if spec.time_column in frame.columns else None
    return Problem(
        target.column, target.task, seed=seed, group_column=group, time_column=time_column
    )


def continued(
    member: Member,
    rows: Rows,
    target: Target,
    fit: np.ndarray,
    stop: np.ndarray | None,
    rounds: int,
    seed: int,
) -> FittedModel:
    data = FitData(
        target.task,
        rows.x[fit],
        rows.y[fit],
        target.n_classes,
        rows.encoder.feature_names,
        rows.encoder.categorical,
        X_valid=None if stop is None else rows.x[stop],
        y_valid=None if stop is None else rows.y[stop],
    )
    options = FitOptions(seed=seed, threads=THREADS, rounds=rounds)
    grow_on = get_family(member.entry.family).continue_fit
    assert grow_on is not None  # warm_refusal let through only families that can continue
    return grow_on(member.model, dict(member.entry.params), data, options)


def added_rounds(member: Member, model: FittedModel) -> int:
    return int(model.rounds or 0) - int(member.model.rounds or 0)


def final_rounds(added: Sequence[int], rounds: int) -> int:
    """The folds' mean early-stopping point, scaled up for every row, within the ceiling."""
    mean = float(np.mean(added)) if added else 1.0
    return min(rounds, max(1, math.ceil(mean * ROUNDS_SCALE)))


def blend(members: Sequence[Member], models: Sequence[FittedModel], x: np.ndarray) -> np.ndarray:
    """The members' predictions weighted and summed in the order the champion's predictor does."""
    total: np.ndarray | None = None
    for member, model in zip(members, models, strict=True):
        part = member.entry.weight * model.predict(x)
        total = part if total is None else total + part
    assert total is not None
    return total


def empty_predictions(target: Target, n: int) -> np.ndarray:
    shape = (n, target.n_classes) if target.is_classification else (n,)
    return np.full(shape, np.nan, dtype=np.float64)


def fold_baselines(
    rows: Rows, target: Target, folds: Sequence[Fold], seed: int
) -> dict[str, np.ndarray]:
    """The baselines' out-of-fold predictions on the same folds ("is ML worth it?")."""
    found: dict[str, np.ndarray] = {}
    names, categorical = rows.encoder.feature_names, rows.encoder.categorical
    for name in BASELINES:
        family = get_family(name)
        if target.task not in family.tasks:
            continue
        pred = empty_predictions(target, len(rows.y))
        for fold in folds:
            x, y = rows.x[fold.train], rows.y[fold.train]
            data = FitData(target.task, x, y, target.n_classes, names, categorical)
            model = family.fit({}, data, FitOptions(seed=seed, threads=THREADS))
            pred[fold.valid] = model.predict(rows.x[fold.valid])
        found[name] = pred
    return found
