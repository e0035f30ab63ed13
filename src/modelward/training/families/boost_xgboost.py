"""XGBoost: hist trees on category codes used as numbers (so ONNX can express them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import xgboost as xgb

from modelward.errors import Tampered
from modelward.spec import Task
from modelward.training.families import onnx_export
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
from modelward.training.families.boosting import (
    MAX_ROUNDS,
    PATIENCE,
    class_weights,
    past,
    plan_rounds,
)
from modelward.training.families.explaining import (
    MemberContributions,
    margin_link,
    model_as,
    split_margins,
)
from modelward.training.families.matrices import float32_grid, probabilities, rows
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "xgboost"
BASE: Params = {
    "eta": 0.05,
    "max_depth": 6,
    "min_child_weight": 1.0,
    "subsample": 0.9,
    "colsample_bytree": 0.9,
    "lambda": 1.0,
    "alpha": 0.0,
    "n_estimators": MAX_ROUNDS,
    "balanced": False,
}
OBJECTIVES = {
    Task.BINARY: ("binary:logistic", "logloss"),
    Task.MULTICLASS: ("multi:softprob", "mlogloss"),
    Task.REGRESSION: ("reg:squarederror", "rmse"),
}
TASKS = {objective: task for task, (objective, _) in OBJECTIVES.items()}


def defaults(ctx: SpaceContext) -> Params:
    return dict(BASE)


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    return {
        "eta": s.real("eta", 0.01, 0.3, log=True),
        "max_depth": s.integer("max_depth", 2, 10),
        "min_child_weight": s.real("min_child_weight", 0.1, 20.0, log=True),
        "subsample": s.real("subsample", 0.5, 1.0),
        "colsample_bytree": s.real("colsample_bytree", 0.4, 1.0),
        "lambda": s.real("lambda", 1e-3, 10.0, log=True),
        "alpha": s.real("alpha", 1e-8, 1.0, log=True),
        "n_estimators": MAX_ROUNDS,
        "balanced": s.balanced(ctx),
    }


@dataclass(frozen=True, eq=False)
class XGBoostModel:
    booster: xgb.Booster = field(repr=False)
    task: Task
    n_classes: int
    family: str = NAME

    @property
    def rounds(self) -> int | None:
        return int(self.booster.num_boosted_rounds())

    def predict(self, x: np.ndarray) -> np.ndarray:
        matrix = float32_grid(rows(x, self.booster.num_features()))
        raw = np.asarray(self.booster.inplace_predict(matrix), dtype=np.float64)
        return raw if self.task is Task.REGRESSION else probabilities(raw, self.n_classes)

    def export(self) -> Artifact:
        return Artifact("xgboost", "model.ubj", bytes(self.booster.save_raw(raw_format="ubj")))

    def export_onnx(self) -> Artifact | None:
        from onnxmltools import convert_xgboost
        from onnxmltools.convert.common.data_types import FloatTensorType

        n = self.booster.num_features()
        try:
            model = convert_xgboost(
                self.booster,
                initial_types=[(onnx_export.INPUT, FloatTensorType([None, n]))],
                target_opset=onnx_export.OPSET,
            )
        except onnx_export.CONVERSION_ERRORS:
            return None
        return onnx_export.finish(model)


class _Deadline(xgb.callback.TrainingCallback):
    """Stops boosting after the round that ends past the deadline."""

    def __init__(self, deadline: float | None) -> None:
        super().__init__()
        self.deadline = deadline

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        return past(self.deadline)


def fit(params: Params, data: FitData, options: FitOptions) -> XGBoostModel:
    p = resolve(NAME, BASE, params)
    rounds = plan_rounds(p["n_estimators"], data, options)
    binary_balance = bool(p["balanced"]) and data.task is Task.BINARY
    weight = class_weights(data, balanced=bool(p["balanced"]) and not binary_balance)
    train = xgb.DMatrix(float32_grid(data.X), label=data.y, weight=weight, nthread=options.threads)
    evals: list[tuple[xgb.DMatrix, str]] = []
    # Early stopping runs first: the callbacks' answers are or-ed and stop at the first True.
    callbacks: list[xgb.callback.TrainingCallback] = []
    if rounds.early_stopping and data.X_valid is not None:
        valid = xgb.DMatrix(float32_grid(data.X_valid), label=data.y_valid, nthread=options.threads)
        evals.append((valid, "valid"))
        callbacks.append(xgb.callback.EarlyStopping(rounds=PATIENCE, save_best=False))
    callbacks.append(_Deadline(options.deadline))
    booster = xgb.train(
        _booster_params(p, data, options, balance=binary_balance),
        train,
        num_boost_round=rounds.total,
        evals=evals,
        verbose_eval=False,
        callbacks=callbacks,
    )
    best = booster.attr("best_iteration")
    if evals and best is not None:
        booster = booster[: int(best) + 1]
    return XGBoostModel(booster, data.task, data.n_classes)


def _booster_params(
    p: Params, data: FitData, options: FitOptions, *, balance: bool
) -> dict[str, Any]:
    objective, metric = OBJECTIVES[data.task]
    out: dict[str, Any] = {
        "objective": objective,
        "eval_metric": metric,
        "tree_method": "hist",
        "eta": float(p["eta"]),
        "max_depth": int(p["max_depth"]),
        "min_child_weight": float(p["min_child_weight"]),
        "subsample": float(p["subsample"]),
        "colsample_bytree": float(p["colsample_bytree"]),
        "lambda": float(p["lambda"]),
        "alpha": float(p["alpha"]),
        "nthread": options.threads,
        "seed": options.seed,
        "verbosity": 0,
    }
    if data.task is Task.MULTICLASS:
        out["num_class"] = data.n_classes
    if balance:
        positives = float(np.sum(data.y == 1))
        out["scale_pos_weight"] = (len(data.y) - positives) / max(positives, 1.0)
    return out


def load(artifact: Artifact) -> XGBoostModel:
    if artifact.format != "xgboost":
        raise Tampered(f"expected an xgboost artifact, got format {artifact.format!r}")
    booster = xgb.Booster()
    booster.load_model(bytearray(artifact.data))
    learner = json.loads(booster.save_config())["learner"]
    task = TASKS.get(learner["objective"]["name"], Task.REGRESSION)
    n_classes = {Task.BINARY: 2, Task.REGRESSION: 0}.get(
        task, int(learner["learner_model_param"]["num_class"])
    )
    return XGBoostModel(booster, task, n_classes)


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """XGBoost's own exact TreeSHAP (`pred_contribs`), in log-odds / raw scores."""
    m = model_as(model, XGBoostModel)
    matrix = float32_grid(rows(x, m.booster.num_features()))
    raw = np.asarray(m.booster.predict(xgb.DMatrix(matrix), pred_contribs=True))
    raw = raw[:, None, :] if raw.ndim == 2 else raw
    values, base = split_margins(raw, matrix.shape[1])
    return MemberContributions(values, base, margin_link(m.task), "exact TreeSHAP (XGBoost)")


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.STRONG,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="XGBoost gradient-boosted trees (histogram method)",
        boosted=True,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
        own_base=True,
    )
)
