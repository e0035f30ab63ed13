"""Family parameters: sampled under a family's prefix and checked before `fit` (`placing` puts
given parameters in a family's space)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from modelward.errors import InputError
from modelward.training.families.base import Params, SpaceContext

if TYPE_CHECKING:  # a trial is handed in by the search: scoring never imports optuna
    import optuna

Choice = None | bool | int | float | str


class Sampler:
    """Suggests parameters named "<family>.<name>" and returns them un-prefixed.

    Prefixing keeps one Optuna study able to search every family without name clashes.
    """

    def __init__(self, trial: optuna.Trial, family: str) -> None:
        self.trial = trial
        self.family = family

    def real(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        return float(self.trial.suggest_float(f"{self.family}.{name}", low, high, log=log))

    def integer(self, name: str, low: int, high: int, *, log: bool = False, step: int = 1) -> int:
        key = f"{self.family}.{name}"
        return int(self.trial.suggest_int(key, low, high, log=log, step=step))

    def choice(self, name: str, options: Sequence[Choice]) -> Any:
        return self.trial.suggest_categorical(f"{self.family}.{name}", list(options))

    def balanced(self, ctx: SpaceContext) -> bool:
        """Whether to weight classes equally: searched only when the classes are imbalanced."""
        return bool(ctx.imbalanced and self.choice("balanced", [False, True]))


def resolve(family: str, base: Params, given: Params) -> Params:
    """`given` over the family's base settings; an unknown name is refused, not ignored."""
    unknown = sorted(set(given) - set(base))
    if unknown:
        raise InputError.field(
            f"{family} params", ", ".join(unknown), f"names among {', '.join(sorted(base))}"
        )
    return {**base, **given}


Space = Callable[["optuna.Trial", SpaceContext], Params]
