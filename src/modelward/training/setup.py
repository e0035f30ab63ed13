"""A training job's setup as a typed record: what its run logs as params, and reads back.

Run params are stored as text (every tracking store holds text, as MLflow's do): "60.0",
"None", "False". `SearchSetup.to_params` writes exactly what training has always logged, and
`from_params` reads those strings back into values, so a reader (the model card, the UI) asks
`setup.budget is None` instead of comparing with the string "None". A field a run did not log
(an older release, another kind of job) reads as None. One record per kind of job: a search
(`SearchSetup`), a forecast (`ForecastSetup`), a segmentation (`SegmentSetup`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

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
    # How the folds were cut: rows of one group together, or in time order. Logged since
    # 2026-12-08; `folds_logged` is False for a run from before, which did not say.
    group_column: str | None = None
    time_column: str | None = None
    folds_logged: bool = True

    def to_params(self) -> dict[str, object]:
        """The params as training logs them (each stored as `str(value)`)."""
        folds_by = {"group_column": self.group_column, "time_column": self.time_column}
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
            **(folds_by if self.folds_logged else {}),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchSetup:
        """The setup a run logged; what it did not log, or logged as "None", is None."""
        read = _reader(params)
        return cls(
            task=read("task", str),
            target=read("target", str),
            metric=read("metric", str),
            budget=read("budget", float),
            trials=read("trials", int),
            seed=read("seed", int),
            executor=read("executor", str),
            workers=read("workers", int),
            families=_names(params.get("families")),
            interpretable=read("interpretable", _flag),
            rows=read("rows", int),
            features=read("features", int),
            folds=read("folds", int),
            dataset_sha256=read("dataset_sha256", str),
            group_column=read("group_column", str),
            time_column=read("time_column", str),
            folds_logged="group_column" in params,
        )


@dataclass(frozen=True)
class ForecastSetup:
    """How a forecast was set up: one global model, backtested from rolling origins."""

    task: str | None = None
    target: str | None = None
    time_column: str | None = None
    groups: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    horizon: int | None = None  # periods ahead
    country: str | None = None  # whose holidays are features
    frequency: str | None = None
    series: int | None = None
    rows: int | None = None
    metric: str | None = None
    origins: int | None = None
    interval: float | None = None  # the prediction interval's level
    seed: int | None = None

    def to_params(self) -> dict[str, object]:
        """The params as forecasting logs them (each stored as `str(value)`)."""
        return {
            "task": self.task,
            "target": self.target,
            "time_column": self.time_column,
            "groups": ",".join(self.groups),
            "covariates": ",".join(self.covariates),
            "horizon": self.horizon,
            "country": self.country,
            "frequency": self.frequency,
            "series": self.series,
            "rows": self.rows,
            "metric": self.metric,
            "origins": self.origins,
            "interval": self.interval,
            "seed": self.seed,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ForecastSetup:
        read = _reader(params)
        return cls(
            task=read("task", str),
            target=read("target", str),
            time_column=read("time_column", str),
            groups=_names(params.get("groups")),
            covariates=_names(params.get("covariates")),
            horizon=read("horizon", int),
            country=read("country", str),
            frequency=read("frequency", str),
            series=read("series", int),
            rows=read("rows", int),
            metric=read("metric", str),
            origins=read("origins", int),
            interval=read("interval", float),
            seed=read("seed", int),
        )


@dataclass(frozen=True)
class SegmentSetup:
    """How a segmentation was set up: the methods and segment counts it chose among."""

    task: str | None = None
    outcome: str | None = None  # the column segments are profiled on, if any
    metric: str | None = None
    seed: int | None = None
    rows: int | None = None
    min_segments: int | None = None
    max_segments: int | None = None
    methods: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def to_params(self) -> dict[str, object]:
        """The params as segmenting logs them (each stored as `str(value)`)."""
        return {
            "task": self.task,
            "outcome": self.outcome,
            "metric": self.metric,
            "seed": self.seed,
            "rows": self.rows,
            "min_segments": self.min_segments,
            "max_segments": self.max_segments,
            "methods": ",".join(self.methods),
            "excluded": ",".join(self.excluded),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SegmentSetup:
        read = _reader(params)
        return cls(
            task=read("task", str),
            outcome=read("outcome", str),
            metric=read("metric", str),
            seed=read("seed", int),
            rows=read("rows", int),
            min_segments=read("min_segments", int),
            max_segments=read("max_segments", int),
            methods=_names(params.get("methods")),
            excluded=_names(params.get("excluded")),
        )


class _Read(Protocol):
    def __call__(self, key: str, parse: Callable[[str], T]) -> T | None: ...


def _reader(params: Mapping[str, str]) -> _Read:
    """`read(key, parse)`: the logged text parsed; None where absent, "None" or unreadable."""

    def read(key: str, parse: Callable[[str], T]) -> T | None:
        text = params.get(key)
        if text is None or text in ("None", ""):
            return None
        try:
            return parse(text)
        except ValueError:  # not what this release logs: unknown rather than wrong
            return None

    return read


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(name for name in (text or "").split(",") if name)


def _flag(text: str) -> bool:
    if text not in ("True", "False"):
        raise ValueError(text)
    return text == "True"
