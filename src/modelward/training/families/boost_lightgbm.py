"""LightGBM: native categorical splits, early stopping, a deadline, a text-format artifact,
and warm starts (more rounds on new rows from a fitted model's trees)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np

from modelward.errors import InputError, Tampered
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
    Rounds,
    class_weights,
    leaf_size,
    past,
    plan_rounds,
)
from modelward.training.families.explaining import (
    MemberContributions,
    margin_link,
    model_as,
    split_margins,
)
from modelward.training.families.lightgbm_row import SingleRow
from modelward.training.families.matrices import float32_grid, probabilities, rows
from modelward.training.families.params import Sampler, resolve
from modelward.training.families.registry import register
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "lightgbm"
BASE: Params = {
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 1.0,
    "lambda_l1": 0.0,
    "lambda_l2": 0.0,
    "n_estimators": MAX_ROUNDS,
    "balanced": False,
}
OBJECTIVES = {
    Task.BINARY: ("binary", "binary_logloss"),
    Task.MULTICLASS: ("multiclass", "multi_logloss"),
    Task.REGRESSION: ("regression", "l2"),
}


def defaults(ctx: SpaceContext) -> Params:
    return {**BASE, "min_data_in_leaf": leaf_size(ctx.n_rows)}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    s = Sampler(trial, NAME)
    return {
        "learning_rate": s.real("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": s.integer("num_leaves", 4, 256, log=True),
        "min_data_in_leaf": s.integer("min_data_in_leaf", 5, 100, log=True),
        "feature_fraction": s.real("feature_fraction", 0.4, 1.0),
        "bagging_fraction": s.real("bagging_fraction", 0.5, 1.0),
        "lambda_l1": s.real("lambda_l1", 1e-8, 10.0, log=True),
        "lambda_l2": s.real("lambda_l2", 1e-8, 10.0, log=True),
        "n_estimators": MAX_ROUNDS,
        "balanced": s.balanced(ctx),
    }


SMALL_BATCH = 256  # rows


@dataclass(frozen=True, eq=False)
class LightGBMModel:
    booster: lgb.Booster = field(repr=False)
    task: Task
    n_classes: int
    threads: int | None = None
    family: str = NAME

    @property
    def rounds(self) -> int | None:
        return int(self.booster.current_iteration())

    def predict(self, x: np.ndarray) -> np.ndarray:
        single = self._single_row if len(x) == 1 else None
        if single is not None:  # a served row: LightGBM's prepared one-row path
            raw = single.predict(float32_grid(rows(x, single.features))[0])
            return raw if self.task is Task.REGRESSION else probabilities(raw, self.n_classes)
        matrix = float32_grid(rows(x, self.booster.num_feature()))
        # Waking OpenMP's thread team costs far more than scoring a few rows on one thread
        # (0.05 ms vs 1+ ms per call on a busy 2-core machine): small batches stay on one.
        # A loaded model would otherwise use the thread count saved from its training (often
        # 1, from a parallel search): large batches ask for every core (0 = OpenMP's default).
        threads = self.threads
        if threads is None:
            threads = 1 if len(matrix) <= SMALL_BATCH else 0
        extra: dict[str, Any] = {"num_threads": threads}
        raw = np.asarray(self.booster.predict(matrix, **extra), dtype=np.float64)
        return raw if self.task is Task.REGRESSION else probabilities(raw, self.n_classes)

    @cached_property
    def _single_row(self) -> SingleRow | None:
        return SingleRow.of(self.booster)

    def __getstate__(self) -> dict[str, Any]:
        # The prepared predictor holds C pointers: a copy (pickled for a worker) prepares its own.
        return {k: v for k, v in self.__dict__.items() if k != "_single_row"}

    def export(self) -> Artifact:
        return Artifact("lightgbm", "model.txt", self.booster.model_to_string().encode())

    def export_onnx(self) -> Artifact | None:
        from onnxmltools import convert_lightgbm
        from onnxmltools.convert.common.data_types import FloatTensorType

        n = self.booster.num_feature()
        booster = lgb.Booster(model_str=float32_thresholds(self.booster.model_to_string()))
        try:
            model = convert_lightgbm(
                booster,
                initial_types=[(onnx_export.INPUT, FloatTensorType([None, n]))],
                zipmap=False,
                target_opset=onnx_export.OPSET,
            )
        except onnx_export.CONVERSION_ERRORS:
            return None
        return onnx_export.finish(model)


def float32_thresholds(model: str) -> str:
    """The model text with every threshold moved down to the nearest float32 at or below it.

    ONNX stores thresholds as float32. Rounding a threshold to the nearest float32 can put
    it on a feature value (a float32, see `float32_grid`) that LightGBM sends right, and
    ONNX would send it left; the float32 at or below the threshold splits float32 values
    exactly as the double did. Categorical thresholds are small integers, left unchanged.
    `tree_sizes` (byte offsets for parallel loading) no longer hold, so it is dropped.
    """
    lines = [line for line in model.split("\n") if not line.startswith("tree_sizes=")]
    for i, line in enumerate(lines):
        if line.startswith("threshold="):
            values = np.array(line[len("threshold=") :].split(), dtype=np.float64)
            single = values.astype(np.float32)
            below = np.where(single > values, np.nextafter(single, np.float32(-np.inf)), single)
            lines[i] = "threshold=" + " ".join(repr(float(v)) for v in below)
    return "\n".join(lines)


class _Stopper:
    """Early stopping on the first validation metric, and the deadline, in one callback.

    Both stop by raising EarlyStopException with the best iteration so far, so a deadline
    under early stopping still keeps the best model rather than the last one.
    """

    order = 30
    before_iteration = False

    def __init__(self, *, patience: int | None, deadline: float | None) -> None:
        self.patience = patience
        self.deadline = deadline
        self.best_iteration = -1
        self.best_score = float("inf")
        self.best_results: list[Any] = []

    def __call__(self, env: lgb.callback.CallbackEnv) -> None:
        results = env.evaluation_result_list or []
        if self.patience is not None and results:
            _, _, value, higher_is_better = results[0][:4]
            loss = -float(value) if higher_is_better else float(value)
            if loss < self.best_score:
                self.best_iteration, self.best_score, self.best_results = (
                    env.iteration,
                    loss,
                    results,
                )
            last = env.iteration == env.end_iteration - 1
            if env.iteration - self.best_iteration >= self.patience or last:
                raise lgb.callback.EarlyStopException(self.best_iteration, self.best_results)
        if past(self.deadline):
            best = self.best_iteration if self.best_iteration >= 0 else env.iteration
            raise lgb.callback.EarlyStopException(best, self.best_results)


def fit(params: Params, data: FitData, options: FitOptions) -> LightGBMModel:
    p = resolve(NAME, BASE, params)
    return _boost(p, data, options, plan_rounds(p["n_estimators"], data, options))


def continue_fit(
    model: LightGBMModel, params: Params, data: FitData, options: FitOptions
) -> LightGBMModel:
    """`model` with up to `options.rounds` more rounds fitted on `data`; its trees unchanged.

    The new trees learn what `model` still gets wrong on `data` (a warm start). Unlike `fit`,
    the round count here is a ceiling: with `data.X_valid` given, early stopping picks how many
    of them to keep. `data` must be encoded as `model`'s training rows were, and `params` are
    the ones `model` was fitted with, so the new trees grow like the old ones.
    """
    if options.rounds is None:
        raise InputError.field("rounds", None, "the most rounds to add, an integer >= 1")
    if data.n_features != model.booster.num_feature():
        expected = f"{model.booster.num_feature()} encoded features, as the model was fitted on"
        raise InputError.field("X", data.X.shape, expected)
    p = resolve(NAME, BASE, params)
    rounds = Rounds(options.rounds, early_stopping=data.X_valid is not None)
    return _boost(p, data, options, rounds, init=model.booster)


def _boost(
    p: Params,
    data: FitData,
    options: FitOptions,
    rounds: Rounds,
    *,
    init: lgb.Booster | None = None,
) -> LightGBMModel:
    binary_balance = bool(p["balanced"]) and data.task is Task.BINARY
    weight = class_weights(data, balanced=bool(p["balanced"]) and not binary_balance)
    train = lgb.Dataset(
        float32_grid(data.X),
        data.y,
        weight=weight,
        categorical_feature=list(data.categorical),
        params={"verbosity": -1},
    )
    valid_sets = []
    if rounds.early_stopping and data.X_valid is not None:
        valid_sets.append(train.create_valid(float32_grid(data.X_valid), label=data.y_valid))
    stopper = _Stopper(patience=PATIENCE if valid_sets else None, deadline=options.deadline)
    booster = lgb.train(
        _booster_params(p, data, options, is_unbalance=binary_balance),
        train,
        num_boost_round=rounds.total,
        valid_sets=valid_sets,
        callbacks=[stopper],
        init_model=init,
    )
    return LightGBMModel(booster, data.task, data.n_classes, options.threads)


def _booster_params(
    p: Params, data: FitData, options: FitOptions, *, is_unbalance: bool
) -> dict[str, Any]:
    objective, metric = OBJECTIVES[data.task]
    bagging = float(p["bagging_fraction"])
    out: dict[str, Any] = {
        "objective": objective,
        "metric": metric,
        "learning_rate": float(p["learning_rate"]),
        "num_leaves": int(p["num_leaves"]),
        "min_data_in_leaf": int(p["min_data_in_leaf"]),
        "feature_fraction": float(p["feature_fraction"]),
        "bagging_fraction": bagging,
        "bagging_freq": 1 if bagging < 1.0 else 0,
        "lambda_l1": float(p["lambda_l1"]),
        "lambda_l2": float(p["lambda_l2"]),
        "is_unbalance": is_unbalance,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": options.threads,
        "seed": options.seed,
        "verbosity": -1,
    }
    if data.task is Task.MULTICLASS:
        out["num_class"] = data.n_classes
    return out


def load(artifact: Artifact) -> LightGBMModel:
    if artifact.format != "lightgbm":
        raise Tampered(f"expected a lightgbm artifact, got format {artifact.format!r}")
    text = artifact.data.decode()
    booster = lgb.Booster(model_str=text)
    header = dict(
        line.split("=", 1) for line in text.split("\n\n", 1)[0].splitlines() if "=" in line
    )
    objective = header.get("objective", "").split(" ")[0]
    n_classes = int(header.get("num_class", "1"))
    if objective == "binary":
        return LightGBMModel(booster, Task.BINARY, 2)
    if objective.startswith("multiclass"):
        return LightGBMModel(booster, Task.MULTICLASS, n_classes)
    return LightGBMModel(booster, Task.REGRESSION, 0)


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """LightGBM's own exact TreeSHAP (`pred_contrib`), in log-odds / raw scores."""
    m = model_as(model, LightGBMModel)
    matrix = float32_grid(rows(x, m.booster.num_feature()))
    raw = np.asarray(m.booster.predict(matrix, pred_contrib=True))
    # multiclass rows are K blocks of (F + 1) columns, one block per class
    per_class = raw.reshape(len(matrix), -1, matrix.shape[1] + 1)
    values, base = split_margins(per_class, matrix.shape[1])
    return MemberContributions(values, base, margin_link(m.task), "exact TreeSHAP (LightGBM)")


def _continue(model: Model, params: Params, data: FitData, options: FitOptions) -> LightGBMModel:
    return continue_fit(model_as(model, LightGBMModel), params, data, options)


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.STRONG,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="LightGBM gradient-boosted trees with native categorical splits",
        boosted=True,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
        own_base=True,
        continue_fit=_continue,
    )
)
