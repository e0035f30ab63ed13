"""The linear baseline: logistic regression (C=1) or ridge (alpha=1), never tuned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.linear_model import LogisticRegression, Ridge

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
from modelward.training.families.linear import MAX_ITER, explain, model
from modelward.training.families.params import resolve
from modelward.training.families.registry import register
from modelward.training.families.sklearn_model import SklearnModel
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "linear_baseline"


def defaults(ctx: SpaceContext) -> Params:
    return {}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    return {}


def fit(params: Params, data: FitData, options: FitOptions) -> SklearnModel:
    resolve(NAME, {}, params)
    estimator: Any = Ridge(alpha=1.0)
    if data.is_classification:
        estimator = LogisticRegression(C=1.0, max_iter=MAX_ITER, random_state=options.seed)
    estimator.fit(data.X, data.y, sample_weight=data.sample_weight)
    return model(NAME, estimator)


def load(artifact: Artifact) -> SklearnModel:
    return model(NAME, sklearn_model.load_estimator(artifact))


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.BASELINE,
        style=Style.LINEAR,
        tasks=ALL_TASKS,
        summary="logistic regression (C=1) or ridge (alpha=1), untuned",
        boosted=False,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
    )
)
