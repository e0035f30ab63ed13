"""Small settings that keep every family quick in tests; the defaults apply otherwise."""

from __future__ import annotations

from typing import Any

from modelward.training.families import Family, SpaceContext
from modelward.training.families.base import Params
from tests.unit.training.families.data import Problem

FAST: dict[str, Params] = {
    "catboost": {"n_estimators": 300, "learning_rate": 0.1},
    "random_forest": {"n_estimators": 25},
    "extra_trees": {"n_estimators": 25},
    "ebm": {"interactions": 2, "outer_bags": 1},
}


def context(problem: Problem) -> SpaceContext:
    return SpaceContext(
        problem.task, len(problem.y), problem.x.shape[1], problem.n_classes, imbalanced=False
    )


def fast_params(family: Family, problem: Problem, **extra: Any) -> Params:
    return {**family.defaults(context(problem)), **FAST.get(family.name, {}), **extra}
