"""Explainable boosting machines (interpret): additive shape functions plus a few pairs."""

from __future__ import annotations

import multiprocessing
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from interpret.glassbox import ExplainableBoostingClassifier, ExplainableBoostingRegressor

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
from modelward.training.families.boosting import class_weights, past
from modelward.training.families.explaining import Link, MemberContributions, model_as
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.families.sklearn_model import SKLEARN_TYPES, SklearnModel
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "ebm"
BASE: Params = {
    "learning_rate": 0.04,
    "interactions": 5,  # pairs cost most of an EBM's fit time; a few capture most of the gain
    "max_leaves": 2,
    "min_samples_leaf": 4,
    "outer_bags": 4,
    "balanced": False,
}
TYPES = (*SKLEARN_TYPES, "interpret.")


def defaults(ctx: SpaceContext) -> Params:
    return dict(BASE)


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    return {
        "learning_rate": s.real("learning_rate", 0.005, 0.1, log=True),
        "interactions": s.integer("interactions", 0, 10),
        "max_leaves": s.integer("max_leaves", 2, 3),
        "min_samples_leaf": s.integer("min_samples_leaf", 2, 50, log=True),
        "outer_bags": BASE["outer_bags"],
        "balanced": s.balanced(ctx),
    }


class _Deadline:
    """EBM's callback: called after each boosting step; True stops boosting."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline

    def __call__(self, bag: int, steps: int, progressed: bool, best: float) -> bool:
        return past(self.deadline)


def fit(params: Params, data: FitData, options: FitOptions) -> SklearnModel:
    p = resolve(NAME, BASE, params)
    names = list(data.feature_names) if len(set(data.feature_names)) == data.n_features else None
    kinds = ["nominal" if i in data.categorical else "continuous" for i in range(data.n_features)]
    common: dict[str, Any] = {
        "feature_names": names,
        "feature_types": kinds,
        "learning_rate": float(p["learning_rate"]),
        # interpret cannot show pairs of a multiclass model: it would stop being a glass box.
        "interactions": 0 if data.task is Task.MULTICLASS else int(p["interactions"]),
        "max_leaves": int(p["max_leaves"]),
        "min_samples_leaf": int(p["min_samples_leaf"]),
        "outer_bags": int(p["outer_bags"]),
        "n_jobs": options.threads,
        "random_state": options.seed,
        "callback": _deadline_callback(options.deadline),
    }
    estimator: Any = (
        ExplainableBoostingClassifier(**common)
        if data.is_classification
        else ExplainableBoostingRegressor(**common)
    )
    weight = class_weights(data, balanced=bool(p["balanced"]))
    with warnings.catch_warnings():
        # interpret notes that its plots do not show missing values; the model handles them.
        warnings.filterwarnings("ignore", message="Missing values detected", category=UserWarning)
        estimator.fit(data.X, data.y, sample_weight=weight)
    # The deadline callback is for this fit only; an exported model must not carry it.
    estimator.set_params(callback=None)
    return _model(estimator)


def _model(estimator: Any) -> SklearnModel:
    n = sklearn_model.n_features_of(estimator)
    # No converter writes EBMs to ONNX here; the skops artifact is the model.
    return SklearnModel(NAME, estimator, n, float32=False, allowed=TYPES)


def load(artifact: Artifact) -> SklearnModel:
    return _model(sklearn_model.load_estimator(artifact, allowed=TYPES))


EBM_LINKS = {"logit": "logit", "mlogit": "softmax", "identity": "identity"}


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions | None:
    """An EBM's own term scores; a pair's score is split evenly between its two features.

    None for a custom link (e.g. poisson): no closed form here.
    """
    m = model_as(model, SklearnModel)
    estimator = m.estimator
    link = EBM_LINKS.get(str(estimator.link_))
    if link is None:
        return None
    matrix = m.prepare(x)
    terms = np.asarray(estimator.eval_terms(matrix), dtype=np.float64)
    terms = terms[:, :, None] if terms.ndim == 2 else terms  # (n, T, O)
    share = np.zeros((len(estimator.term_features_), matrix.shape[1]))
    for t, features in enumerate(estimator.term_features_):
        share[t, list(features)] = 1.0 / len(features)
    values = np.einsum("nto,tf->nfo", terms, share)
    intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
    base = np.tile(intercept, (len(matrix), 1))
    return MemberContributions(values, base, Link(link), "EBM term scores (pairs split evenly)")


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.GLASSBOX,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="explainable boosting machine: one readable curve per feature, a few pairs",
        boosted=False,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
        own_base=True,
    )
)


def _deadline_callback(deadline: float | None) -> _Deadline | None:
    """The deadline callback, except inside a daemonic worker process.

    With a callback, interpret shares state across its bags through child processes, which a
    daemonic worker may not start; there the executor's hard deadline bounds the fit instead.
    """
    if deadline is None or multiprocessing.current_process().daemon:
        return None
    return _Deadline(deadline)
