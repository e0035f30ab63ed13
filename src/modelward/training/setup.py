"""A search's setup as a typed record: what a training run logs as its params, and reads back.

Run params are stored as text (every tracking store holds text, as MLflow's do): "60.0",
"None", "False". `SearchSetup.to_params` writes exactly what training has always logged, and
`from_params` reads those strings back into values, so a reader (the model card, the UI) asks
`setup.budget is None` instead of comparing with the string "None". A field a run did not log
(an older release, another kind of job) reads as None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class SearchSetup:
    """How a model search was set up: the run's params of a tabular training job."""

    task: str | None = None
    target: str | None = None
    metric: str | None = None
    budget: float | None = None  # seconds; None: no time budget
    trials: int | None = None  # trials asked for; None: as many as the budget allows
    seed: int | None = None
    executor: str | None = None
    workers: int | None = None
    families: tuple[str, ...] = ()
    interpretable: bool | None = None
    rows: int | None = None
    features: int | None = None
    folds: int | None = None
    dataset_sha256: str | None = None

    def to_params(self) -> dict[str, object]:
        """The params as training logs them (each stored as `str(value)`)."""
        return {
            "task": self.task,
            "target": self.target,
            "metric": self.metric,
            "budget": self.budget,
            "trials": self.trials,
            "seed": self.seed,
            "executor": self.executor,
            "workers": self.workers,
            "families": ",".join(self.families),
            "interpretable": self.interpretable,
            "rows": self.rows,
            "features": self.features,
            "folds": self.folds,
            "dataset_sha256": self.dataset_sha256,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchSetup:
        """The setup a run logged; what it did not log, or logged as "None", is None."""

        def read(key: str, parse: Callable[[str], T]) -> T | None:
            text = params.get(key)
            if text is None or text in ("None", ""):
                return None
            try:
                return parse(text)
            except ValueError:  # not what this release logs: unknown rather than wrong
                return None

        families = params.get("families", "")
        return cls(
            task=read("task", str),
            target=read("target", str),
            metric=read("metric", str),
            budget=read("budget", float),
            trials=read("trials", int),
            seed=read("seed", int),
            executor=read("executor", str),
            workers=read("workers", int),
            families=tuple(f for f in families.split(",") if f),
            interpretable=read("interpretable", _flag),
            rows=read("rows", int),
            features=read("features", int),
            folds=read("folds", int),
            dataset_sha256=read("dataset_sha256", str),
        )


def _flag(text: str) -> bool:
    if text not in ("True", "False"):
        raise ValueError(text)
    return text == "True"
