"""What a training job is asked to do, validated at the edge before anything is written."""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelward.cpus import usable_cpus
from modelward.errors import InputError
from modelward.spec import Task

DEFAULT_BUDGET = 60.0
MAX_TRIALS = 100_000
EXECUTORS = ("local", "ray")
MAX_HORIZON = 366


@dataclass(frozen=True)
class TrainOptions:
    """Flags of `modelward train`; None means "from the project's spec, else the default"."""

    target: str | None = None
    task: Task = Task.AUTO
    budget: float | None = None
    trials: int | None = None
    metric: str | None = None
    project: str | None = None
    sensitive: tuple[str, ...] | None = None
    seed: int = 0
    interpretable: bool = False
    families: tuple[str, ...] = ()
    executor: str | None = None  # None: the workspace's `executor` setting
    ray_address: str | None = None  # None: the `ray_address` setting (or RAY_ADDRESS)
    workers: int | None = None
    name: str | None = None
    group_column: str | None = None  # tabular: rows of one group stay in one fold
    time_column: str | None = None  # forecast: the period of each row
    group_columns: tuple[str, ...] | None = None  # forecast: one series per combination
    horizon: int | None = None  # forecast: periods ahead
    covariates: tuple[str, ...] | None = None  # forecast: columns known in advance
    country: str | None = None  # forecast: holiday calendar

    def validate(self) -> None:
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget > 0):
            raise InputError.field("--budget", self.budget, "seconds > 0, e.g. --budget 60")
        if self.trials is not None and not 1 <= self.trials <= MAX_TRIALS:
            raise InputError.field("--trials", self.trials, f"a whole number 1..{MAX_TRIALS}")
        if self.trials is not None and self.budget is not None:
            raise InputError.field(
                "--trials",
                f"{self.trials} with --budget {self.budget:g}",
                "one of them: --trials N (a reproducible search, no time limit) or --budget "
                "SECONDS (as many trials as fit)",
            )
        if self.seed < 0:
            raise InputError.field("--seed", self.seed, "a whole number >= 0")
        if self.workers is not None and self.workers < 1:
            raise InputError.field("--workers", self.workers, "a whole number >= 1")
        if self.executor is not None and self.executor not in EXECUTORS:
            raise InputError.field("--executor", self.executor, " or ".join(EXECUTORS))
        if self.horizon is not None and not 1 <= self.horizon <= MAX_HORIZON:
            raise InputError.field("--horizon", self.horizon, f"periods ahead, 1..{MAX_HORIZON}")

    def forecast_flags(self) -> dict[str, object]:
        """The flags that frame a forecast, those given only."""
        flags = {
            "--time-col": self.time_column,
            "--group-cols": self.group_columns,
            "--horizon": self.horizon,
            "--covariates": self.covariates,
            "--country": self.country,
        }
        return {flag: value for flag, value in flags.items() if value is not None}

    @property
    def effective_budget(self) -> float | None:
        """Seconds for the whole job; `--trials` alone means no time limit."""
        if self.budget is not None:
            return self.budget
        return None if self.trials is not None else DEFAULT_BUDGET

    @property
    def effective_workers(self) -> int:
        return self.workers or usable_cpus()  # the affinity mask and cgroup quota, not the host's
