"""CatBoost: native categorical features (codes as integers, -1 for missing), ordered boosting."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from catboost import CatBoost, Pool

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
from modelward.training.families.boosting import MAX_ROUNDS, PATIENCE, past, plan_rounds
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

NAME = "catboost"
BASE: Params = {
    # As the other boosters; early stopping finds the rounds. (CatBoost's own automatic rate
    # for 1,000 rounds on 2,000-7,000 rows is 0.014-0.024; 0.08 here had scored ROC-AUC 0.9255
    # on mlc_churn's hold-out against 0.9295.)
    "learning_rate": 0.05,
    "depth": 6,
    "l2_leaf_reg": 3.0,
    "random_strength": 1.0,
    "one_hot_max_size": 2,  # CatBoost's own CPU default
    "n_estimators": MAX_ROUNDS,
    "balanced": False,
}
LOSSES = {Task.BINARY: "Logloss", Task.MULTICLASS: "MultiClass", Task.REGRESSION: "RMSE"}
TASKS = {loss: task for task, loss in LOSSES.items()}
MISSING_CODE = -1  # CatBoost categories must be integers or strings: NaN becomes a level


# CatBoost combines categorical features greedily, and on data with many of them the
# combinations cost most of its fit time (ames, 40 categorical columns: 15 s a fold, against
# 2.6 s with small categories one-hot encoded, and no better). With a few categorical columns
# the combinations are cheap and worth having (mlc_churn: 0.926 ROC-AUC against 0.922).
MANY_CATEGORICAL = 12
WIDE_ONE_HOT_MAX_SIZE = 10


def defaults(ctx: SpaceContext) -> Params:
    if ctx.n_categorical > MANY_CATEGORICAL:
        return {**BASE, "one_hot_max_size": WIDE_ONE_HOT_MAX_SIZE}
    return dict(BASE)


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    return {
        "learning_rate": s.real("learning_rate", 0.01, 0.3, log=True),
        "depth": s.integer("depth", 3, 10),
        "l2_leaf_reg": s.real("l2_leaf_reg", 0.1, 30.0, log=True),
        "random_strength": s.real("random_strength", 0.1, 10.0, log=True),
        "one_hot_max_size": s.choice("one_hot_max_size", (2, 4, 10, 32)),
        "n_estimators": MAX_ROUNDS,
        "balanced": s.balanced(ctx),
    }


@dataclass(frozen=True, eq=False)
class CatBoostModel:
    model: CatBoost = field(repr=False)
    task: Task
    family: str = NAME

    @property
    def rounds(self) -> int | None:
        return int(self.model.tree_count_)

    @property
    def categorical(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self.model.get_cat_feature_indices())

    def predict(self, x: np.ndarray) -> np.ndarray:
        matrix = rows(x, len(self.model.feature_names_))
        pool = Pool(catboost_frame(matrix, self.categorical), cat_features=list(self.categorical))
        if self.task is Task.REGRESSION:
            return np.asarray(self.model.predict(pool), dtype=np.float64).reshape(-1)
        raw = np.asarray(self.model.predict(pool, prediction_type="Probability"))
        return probabilities(raw, raw.shape[1])

    def export(self) -> Artifact:
        return Artifact("catboost", "model.cbm", _saved(self.model, "cbm"))

    def export_onnx(self) -> Artifact | None:
        """CatBoost writes ONNX itself, but only for models without categorical features."""
        if self.categorical:
            return None
        import onnx

        return onnx_export.finish(onnx.load_from_string(_saved(self.model, "onnx")))


class _Deadline:
    """CatBoost's callback protocol: `after_iteration` returns False to stop."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline

    def after_iteration(self, info: Any) -> bool:
        return not past(self.deadline)


def fit(params: Params, data: FitData, options: FitOptions) -> CatBoostModel:
    p = resolve(NAME, BASE, params)
    rounds = plan_rounds(p["n_estimators"], data, options)
    cats = list(data.categorical)
    train = Pool(
        catboost_frame(data.X, data.categorical),
        data.y,
        cat_features=cats,
        weight=data.sample_weight,
    )
    model = CatBoost({**_model_params(p, data, options), "iterations": rounds.total})
    eval_set = None
    if rounds.early_stopping and data.X_valid is not None:
        eval_set = Pool(
            catboost_frame(data.X_valid, data.categorical), data.y_valid, cat_features=cats
        )
    model.fit(
        train,
        eval_set=eval_set,
        early_stopping_rounds=PATIENCE if eval_set is not None else None,
        use_best_model=eval_set is not None,
        callbacks=[_Deadline(options.deadline)],
    )
    return CatBoostModel(model, data.task)


def _model_params(p: Params, data: FitData, options: FitOptions) -> dict[str, Any]:
    out: dict[str, Any] = {
        "loss_function": LOSSES[data.task],
        "learning_rate": float(p["learning_rate"]),
        "depth": int(p["depth"]),
        "l2_leaf_reg": float(p["l2_leaf_reg"]),
        "random_strength": float(p["random_strength"]),
        "one_hot_max_size": int(p["one_hot_max_size"]),
        "random_seed": options.seed,
        "thread_count": options.threads,
        "allow_writing_files": False,
        "verbose": False,
    }
    if p["balanced"] and data.task is not Task.REGRESSION:
        out["auto_class_weights"] = "Balanced"
    return out


def catboost_frame(x: np.ndarray, categorical: tuple[int, ...]) -> pd.DataFrame:
    """Numbers rounded through float32 (CatBoost's own precision); codes as int64 columns."""
    matrix = float32_grid(x)
    columns: dict[str, Any] = {f"f{i}": matrix[:, i] for i in range(matrix.shape[1])}
    for i in categorical:
        codes = matrix[:, i]
        columns[f"f{i}"] = np.where(np.isnan(codes), MISSING_CODE, codes).astype(np.int64)
    return pd.DataFrame(columns)


def _saved(model: CatBoost, fmt: str) -> bytes:
    # CatBoost saves to files only; a private temporary folder keeps this self-contained.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"model.{fmt}"
        model.save_model(str(path), format=fmt)
        return path.read_bytes()


def load(artifact: Artifact) -> CatBoostModel:
    if artifact.format != "catboost":
        raise Tampered(f"expected a catboost artifact, got format {artifact.format!r}")
    model = CatBoost()
    model.load_model(blob=artifact.data)
    loss = str(model.get_all_params()["loss_function"])
    return CatBoostModel(model, TASKS.get(loss, Task.REGRESSION))


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """CatBoost's own exact SHAP values, on the same pool its predictions use."""
    m = model_as(model, CatBoostModel)
    matrix = rows(x, len(m.model.feature_names_))
    pool = Pool(catboost_frame(matrix, m.categorical), cat_features=list(m.categorical))
    raw = np.asarray(m.model.get_feature_importance(data=pool, type="ShapValues"))
    raw = raw[:, None, :] if raw.ndim == 2 else raw
    values, base = split_margins(raw, matrix.shape[1])
    return MemberContributions(values, base, margin_link(m.task), "exact TreeSHAP (CatBoost)")


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.STRONG,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="CatBoost ordered boosting with native categorical features",
        boosted=True,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
        own_base=True,
    )
)
