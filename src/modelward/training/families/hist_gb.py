"""sklearn's HistGradientBoosting: native categorical splits, early stopping on given rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from modelward.training.families import sklearn_model
from modelward.training.families.base import (
    ALL_TASKS,
    Artifact,
    Family,
    FitData,
    FitOptions,
    Params,
    SpaceContext,
)
from modelward.training.families.boosting import MAX_ROUNDS, leaf_size, past, plan_rounds
from modelward.training.families.matrices import float32_grid
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.families.sklearn_model import SKLEARN_TYPES, SklearnModel
from modelward.training.families.tree_shap import explain_trees
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "hist_gb"
BASE: Params = {
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 20,
    "l2_regularization": 0.0,
    "max_features": 1.0,
    "n_estimators": MAX_ROUNDS,
    "balanced": False,
}
# The binary loss keeps its link function as a functools.partial of a sklearn function.
TYPES = (*SKLEARN_TYPES, "functools.partial")
PATIENCE = 20  # sklearn keeps the rounds after the best one, so patience stays short
MAX_BINS = 255  # category codes must stay below this to be split natively


def defaults(ctx: SpaceContext) -> Params:
    return {**BASE, "min_samples_leaf": leaf_size(ctx.n_rows)}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    return {
        "learning_rate": s.real("learning_rate", 0.01, 0.3, log=True),
        "max_leaf_nodes": s.integer("max_leaf_nodes", 4, 128, log=True),
        "min_samples_leaf": s.integer("min_samples_leaf", 5, 100, log=True),
        "l2_regularization": s.real("l2_regularization", 1e-8, 10.0, log=True),
        "max_features": s.real("max_features", 0.4, 1.0),
        "n_estimators": MAX_ROUNDS,
        "balanced": s.balanced(ctx),
    }


@dataclass(frozen=True, eq=False)
class HistGBModel(SklearnModel):
    """Predicts with `threads` OpenMP threads (the fit's), or the library default when None."""

    threads: int | None = None

    @property
    def rounds(self) -> int | None:
        return int(self.estimator.n_iter_)

    def predict(self, x: np.ndarray) -> np.ndarray:
        # Unbounded OpenMP threads on a busy machine spin against each other: keep the fit's.
        if self.threads is None:
            return super().predict(x)
        with threadpool_limits(limits=self.threads, user_api="openmp"):
            return super().predict(x)


def fit(params: Params, data: FitData, options: FitOptions) -> HistGBModel:
    p = resolve(NAME, BASE, params)
    rounds = plan_rounds(p["n_estimators"], data, options)
    early = rounds.early_stopping and data.X_valid is not None
    estimator = _estimator(p, data, options, early_stopping=early)
    x = float32_grid(data.X)
    valid: dict[str, Any] = {}
    if early and data.X_valid is not None:
        valid = {"X_val": float32_grid(data.X_valid), "y_val": data.y_valid}
    with threadpool_limits(limits=options.threads, user_api="openmp"):
        _boost(estimator, x, data, valid, rounds.total, options.deadline)
    return _model(estimator, threads=options.threads)


def _boost(
    estimator: Any,
    x: np.ndarray,
    data: FitData,
    valid: dict[str, Any],
    total: int,
    deadline: float | None,
) -> None:
    """Fit in warm-started chunks of doubling size, so a deadline stops between chunks.

    Chunks are the same whether or not a deadline is set, so results depend on the seed only
    (and warm-started chunks give the very trees one long fit would: checked on real data).
    """
    done, step = 0, 1
    while True:
        target = min(total, done + step)
        estimator.set_params(max_iter=target)
        estimator.fit(x, data.y, sample_weight=data.sample_weight, **valid)
        done = int(estimator.n_iter_)
        if done < target or done >= total or past(deadline):
            return
        step *= 2


def _estimator(p: Params, data: FitData, options: FitOptions, *, early_stopping: bool) -> Any:
    common: dict[str, Any] = {
        "learning_rate": float(p["learning_rate"]),
        "max_leaf_nodes": int(p["max_leaf_nodes"]),
        "min_samples_leaf": int(p["min_samples_leaf"]),
        "l2_regularization": float(p["l2_regularization"]),
        "max_features": float(p["max_features"]),
        "categorical_features": _native_categories(data) or None,
        "early_stopping": early_stopping,
        "n_iter_no_change": PATIENCE,
        "scoring": "loss",
        "warm_start": True,
        "random_state": options.seed,
    }
    if data.is_classification:
        balanced = "balanced" if p["balanced"] else None
        return HistGradientBoostingClassifier(class_weight=balanced, **common)
    return HistGradientBoostingRegressor(**common)


def _native_categories(data: FitData) -> list[int]:
    """Code columns sklearn can split natively; wider ones stay ordinal numbers."""
    native = []
    for column in data.categorical:
        codes = data.X[:, column]
        if np.nanmax(codes, initial=0.0) < MAX_BINS:
            native.append(column)
    return native


def _model(estimator: Any, *, threads: int | None = None) -> HistGBModel:
    return HistGBModel(
        NAME,
        estimator,
        sklearn_model.n_features_of(estimator),
        float32=True,
        allowed=TYPES,
        onnx=sklearn_model.boosted_onnx,
        threads=threads,
    )


def load(artifact: Artifact) -> HistGBModel:
    return _model(sklearn_model.load_estimator(artifact, allowed=TYPES))


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.STRONG,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="scikit-learn histogram gradient boosting with native categorical splits",
        boosted=True,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain_trees,
    )
)
