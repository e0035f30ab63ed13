"""The prior baseline: every row gets the training class shares, or the training mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from modelward.spec import Task
from modelward.training.families import json_format
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
from modelward.training.families.matrices import rows
from modelward.training.families.params import resolve
from modelward.training.families.registry import register
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "prior"


@dataclass(frozen=True)
class PriorModel:
    task: Task
    n_features: int
    values: tuple[float, ...]  # class shares (classification) or the one mean (regression)
    family: str = NAME

    @property
    def rounds(self) -> int | None:
        return None

    def predict(self, x: np.ndarray) -> np.ndarray:
        n = len(rows(x, self.n_features))
        values = np.asarray(self.values, dtype=np.float64)
        if self.task is Task.REGRESSION:
            return np.full(n, values[0])
        return np.tile(values, (n, 1))

    def export(self) -> Artifact:
        body = {"task": self.task.value, "n_features": self.n_features, "values": self.values}
        return json_format.dump(NAME, body)

    def export_onnx(self) -> Artifact | None:
        return None


def defaults(ctx: SpaceContext) -> Params:
    return {}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    return {}


def fit(params: Params, data: FitData, options: FitOptions) -> PriorModel:
    resolve(NAME, {}, params)
    weight = np.ones(len(data.y)) if data.sample_weight is None else data.sample_weight
    if data.task is Task.REGRESSION:
        values: tuple[float, ...] = (float(np.average(data.y, weights=weight)),)
    else:
        totals = np.bincount(data.y, weights=weight, minlength=data.n_classes)
        values = tuple(float(v) for v in totals / totals.sum())
    return PriorModel(data.task, data.n_features, values)


def load(artifact: Artifact) -> PriorModel:
    doc = json_format.load(artifact, NAME, ("task", "n_features", "values"))
    values = tuple(float(v) for v in doc["values"])
    return PriorModel(Task(doc["task"]), int(doc["n_features"]), values)


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """The prior baseline reads no feature: every contribution is zero."""
    out = model_as(model, PriorModel).predict(x)
    base = out.reshape(len(out), -1)
    values = np.zeros((len(out), x.shape[1], base.shape[1]))
    return MemberContributions(values, base, Link.IDENTITY, "prior: no feature is used")


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.BASELINE,
        style=Style.LINEAR,
        tasks=ALL_TASKS,
        summary="no model: the training class shares (or mean) for every row",
        boosted=False,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
        own_base=True,
    )
)
