"""Given parameters placed in a family's search space, as the trial that would have chosen them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from modelward.training.families.base import Params, SpaceContext
from modelward.training.families.params import Choice, Space

Point = tuple[dict[str, Any], dict[str, BaseDistribution]]


def as_point(family: str, space: Space, params: Params, ctx: SpaceContext) -> Point | None:
    """`params` as a point of `space`: the prefixed values a trial would have suggested, with
    their distributions, so that a study can be told of a trial it did not propose.

    A number outside its range is moved to the nearest end; None where the space cannot
    express `params` (a name it does not have, an unknown choice, no number for a range).
    """
    placer = _Placer({f"{family}.{name}": value for name, value in params.items()})
    try:
        # The placer answers every suggest_* call a space makes, as a trial would.
        space(cast(optuna.Trial, placer), ctx)
    except _Unplaceable:
        return None
    return placer.params, placer.distributions


class _Unplaceable(Exception):
    pass


class _Placer:
    """Stands in for a trial: answers each suggestion from `values`, kept inside its range."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.params: dict[str, Any] = {}
        self.distributions: dict[str, BaseDistribution] = {}

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        value = self._number(name, low, high)
        return float(self._keep(name, value, FloatDistribution(low, high, log=log, step=step)))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        value = round(self._number(name, low, high))
        return int(self._keep(name, value, IntDistribution(low, high, log=log, step=step)))

    def suggest_categorical(self, name: str, choices: Sequence[Choice]) -> Any:
        if self.values.get(name) not in choices:
            raise _Unplaceable(name)
        return self._keep(name, self.values[name], CategoricalDistribution(choices))

    def _number(self, name: str, low: float, high: float) -> float:
        value = self.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Unplaceable(name)
        return min(max(float(value), low), high)

    def _keep(self, name: str, value: Any, distribution: BaseDistribution) -> Any:
        self.params[name] = value
        self.distributions[name] = distribution
        return value
