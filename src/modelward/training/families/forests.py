"""Random forests and extra trees: sklearn's bagged trees, which split on NaN natively."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from modelward.spec import Task
from modelward.training.families import sklearn_model
from modelward.training.families.base import (
    ALL_TASKS,
    Artifact,
    Family,
    FitData,
    FitOptions,
    FittedModel,
    Model,
    Params,
    SpaceContext,
)
from modelward.training.families.matrices import float32_grid
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.families.sklearn_model import SklearnModel
from modelward.training.families.tree_shap import explain_trees
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

ESTIMATORS: dict[str, tuple[Any, Any]] = {
    "random_forest": (RandomForestClassifier, RandomForestRegressor),
    "extra_trees": (ExtraTreesClassifier, ExtraTreesRegressor),
}
BASE: Params = {"n_estimators": 150, "max_features": None, "min_samples_leaf": 1, "balanced": False}
# A third of the features per split for regression (as R's randomForest does): all of them,
# sklearn's default, costs several times the time for little or no gain.
REGRESSION_FEATURES = 0.33


def _defaults(ctx: SpaceContext) -> Params:
    # None: sklearn's own choice, sqrt(p) features for classifiers.
    if ctx.task is Task.REGRESSION:
        return {**BASE, "max_features": REGRESSION_FEATURES}
    return dict(BASE)


def _space(name: str) -> Callable[[optuna.Trial, SpaceContext], Params]:
    def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
        s = Sampler(trial, name)
        return {
            "n_estimators": s.integer("n_estimators", 50, 300, step=50),
            "max_features": s.real("max_features", 0.1, 1.0),
            "min_samples_leaf": s.integer("min_samples_leaf", 1, 30, log=True),
            "balanced": s.balanced(ctx),
        }

    return space


def _fit(name: str) -> Callable[[Params, FitData, FitOptions], FittedModel]:
    def fit(params: Params, data: FitData, options: FitOptions) -> FittedModel:
        p = resolve(name, BASE, params)
        classifier, regressor = ESTIMATORS[name]
        common: dict[str, Any] = {
            "n_estimators": int(p["n_estimators"]),
            "min_samples_leaf": int(p["min_samples_leaf"]),
            "n_jobs": options.threads,
            "random_state": options.seed,
        }
        if p["max_features"] is not None:
            common["max_features"] = float(p["max_features"])
        if data.is_classification:
            balanced = "balanced" if p["balanced"] else None
            estimator = classifier(class_weight=balanced, **common)
        else:
            estimator = regressor(**common)
        estimator.fit(float32_grid(data.X), data.y, sample_weight=data.sample_weight)
        # Parallel prediction sums the trees in whatever order threads finish, which changes
        # the last bits; one thread keeps predictions reproducible.
        estimator.set_params(n_jobs=1)
        return _model(name, estimator)

    return fit


def _model(name: str, estimator: Any) -> SklearnModel:
    n = sklearn_model.n_features_of(estimator)
    return SklearnModel(name, estimator, n, float32=True, onnx=sklearn_model.tree_onnx)


def _load(name: str) -> Callable[[Artifact], Model]:
    def load(artifact: Artifact) -> Model:
        return _model(name, sklearn_model.load_estimator(artifact))

    return load


def _family(name: str, summary: str) -> Family:
    return Family(
        name=name,
        kind=Kind.STRONG,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary=summary,
        boosted=False,
        defaults=_defaults,
        space=_space(name),
        fit=_fit(name),
        load=_load(name),
        explain=explain_trees,
        own_base=True,
    )


RANDOM_FOREST = register(_family("random_forest", "random forest of bootstrapped trees"))
EXTRA_TREES = register(_family("extra_trees", "extremely randomized trees"))
