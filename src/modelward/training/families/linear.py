"""The `linear` glass box: regularized logistic regression, or ridge / elastic net."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge

from modelward.spec import Task
from modelward.training.families import sklearn_model
from modelward.training.families.base import (
    ALL_TASKS,
    Artifact,
    Family,
    FitData,
    FitOptions,
    Model,
    Params,
    SpaceContext,
)
from modelward.training.families.explaining import Link, MemberContributions, model_as
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.families.sklearn_model import SklearnModel
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "linear"
# Classification reads C, penalty and balanced; regression reads model, alpha and l1_ratio.
BASE: Params = {
    "C": 1.0,
    "penalty": "l2",
    "balanced": False,
    "model": "ridge",
    "alpha": 1.0,
    "l1_ratio": 0.5,
}
MAX_ITER = 2000


def defaults(ctx: SpaceContext) -> Params:
    if ctx.task is Task.REGRESSION:
        return {"model": "ridge", "alpha": 1.0}
    return {"C": 1.0, "penalty": "l2", "balanced": False}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    if ctx.task is not Task.REGRESSION:
        return {
            "C": s.real("C", 1e-3, 100.0, log=True),
            "penalty": s.choice("penalty", ["l2", "l1"]),
            "balanced": s.balanced(ctx),
        }
    if s.choice("model", ["ridge", "elastic_net"]) == "ridge":
        return {"model": "ridge", "alpha": s.real("ridge_alpha", 1e-3, 1e3, log=True)}
    return {
        "model": "elastic_net",
        "alpha": s.real("enet_alpha", 1e-4, 1.0, log=True),
        "l1_ratio": s.real("l1_ratio", 0.05, 1.0),
    }


def fit(params: Params, data: FitData, options: FitOptions) -> SklearnModel:
    p = resolve(NAME, BASE, params)
    estimator = _classifier(p, data, options) if data.is_classification else _regressor(p, options)
    with warnings.catch_warnings():
        # saga (l1) and coordinate descent may stop short of tolerance on hard settings; the
        # model is still usable, and its score decides whether the search keeps it.
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(data.X, data.y, sample_weight=data.sample_weight)
    return model(NAME, estimator)


def _classifier(p: Params, data: FitData, options: FitOptions) -> Any:
    l1 = p["penalty"] == "l1"
    solver = "lbfgs" if not l1 else "liblinear" if data.task is Task.BINARY else "saga"
    return LogisticRegression(
        C=float(p["C"]),
        l1_ratio=1.0 if l1 else 0.0,
        solver=solver,
        class_weight="balanced" if p["balanced"] else None,
        max_iter=MAX_ITER,
        random_state=options.seed,
    )


def _regressor(p: Params, options: FitOptions) -> Any:
    if p["model"] == "ridge":
        return Ridge(alpha=float(p["alpha"]))
    return ElasticNet(
        alpha=float(p["alpha"]),
        l1_ratio=float(p["l1_ratio"]),
        max_iter=MAX_ITER,
        random_state=options.seed,
    )


def model(name: str, estimator: Any) -> SklearnModel:
    """`estimator` behind the Model interface; linear models export ONNX in float64."""
    n = sklearn_model.n_features_of(estimator)
    return SklearnModel(name, estimator, n, float32=False, onnx=sklearn_model.linear_onnx)


def load(artifact: Artifact) -> SklearnModel:
    return model(NAME, sklearn_model.load_estimator(artifact))


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """Closed form: coefficient x (value - background mean), in log-odds for classifiers.

    Exact for a linear margin with independent features (the linear SHAP of Lundberg & Lee).
    """
    m = model_as(model, SklearnModel)
    matrix, reference = m.prepare(x), m.prepare(background).mean(axis=0)
    coef = np.atleast_2d(np.asarray(m.estimator.coef_, dtype=np.float64))  # (O, F)
    intercept = np.atleast_1d(np.asarray(m.estimator.intercept_, dtype=np.float64))
    values = (matrix - reference)[:, :, None] * coef.T[None, :, :]
    base = np.tile(intercept + coef @ reference, (len(matrix), 1))
    link = Link.IDENTITY
    if m.classifier:
        link = Link.LOGIT if coef.shape[0] == 1 else Link.SOFTMAX
    return MemberContributions(values, base, link, "exact linear SHAP (coefficients)")


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.GLASSBOX,
        style=Style.LINEAR,
        tasks=ALL_TASKS,
        summary="regularized logistic regression, or ridge / elastic net for numbers",
        boosted=False,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
    )
)
