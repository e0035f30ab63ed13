"""A single shallow decision tree: a model a person can read as a handful of rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

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
from modelward.training.families.boosting import leaf_size
from modelward.training.families.matrices import float32_grid
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.families.sklearn_model import SklearnModel
from modelward.training.families.tree_shap import explain_trees
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "tree"
BASE: Params = {"max_depth": 4, "min_samples_leaf": 20, "balanced": False}


def defaults(ctx: SpaceContext) -> Params:
    return {**BASE, "min_samples_leaf": leaf_size(ctx.n_rows)}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    return {
        "max_depth": s.integer("max_depth", 2, 5),
        "min_samples_leaf": s.integer("min_samples_leaf", 1, 100, log=True),
        "balanced": s.balanced(ctx),
    }


def fit(params: Params, data: FitData, options: FitOptions) -> SklearnModel:
    p = resolve(NAME, BASE, params)
    common: dict[str, Any] = {
        "max_depth": int(p["max_depth"]),
        "min_samples_leaf": int(p["min_samples_leaf"]),
        "random_state": options.seed,
    }
    if data.is_classification:
        balanced = "balanced" if p["balanced"] else None
        estimator: Any = DecisionTreeClassifier(class_weight=balanced, **common)
    else:
        estimator = DecisionTreeRegressor(**common)
    estimator.fit(float32_grid(data.X), data.y, sample_weight=data.sample_weight)
    return _model(estimator)


def _model(estimator: Any) -> SklearnModel:
    n = sklearn_model.n_features_of(estimator)
    return SklearnModel(NAME, estimator, n, float32=True, onnx=sklearn_model.tree_onnx)


def load(artifact: Artifact) -> SklearnModel:
    return _model(sklearn_model.load_estimator(artifact))


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.GLASSBOX,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="one decision tree, 2 to 5 levels deep",
        boosted=False,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain_trees,
        own_base=True,
    )
)
