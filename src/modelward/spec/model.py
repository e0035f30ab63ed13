"""The project spec (`modelward.yaml`): what to predict, how to judge it, what it is worth."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Task(StrEnum):
    AUTO = "auto"
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"
    FORECAST = "forecast"
    SEGMENT = "segment"

    def metrics(self) -> tuple[str, ...]:
        """The primary metrics that make sense for this task."""
        return METRICS[self]

    def default_metric(self) -> str:
        return METRICS[self][0]


CLASSIFICATION = ("roc_auc", "pr_auc", "log_loss", "accuracy", "balanced_accuracy", "f1")
METRICS: dict[Task, tuple[str, ...]] = {
    Task.AUTO: (*CLASSIFICATION, "f1_macro", "rmse", "mae", "r2"),
    Task.BINARY: (*CLASSIFICATION, "precision", "recall"),
    Task.MULTICLASS: ("log_loss", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc_ovr"),
    Task.REGRESSION: ("rmse", "mae", "r2", "mape"),
    Task.FORECAST: ("wape", "mape", "smape", "rmse", "mae"),
    Task.SEGMENT: ("silhouette", "davies_bouldin", "calinski_harabasz"),
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Gate(Frozen):
    """A success criterion: a metric that must stay within bounds for a model to pass review."""

    metric: str = Field(min_length=1, description="Metric name, e.g. roc_auc or fairness.dpd")
    min: float | None = Field(default=None, description="Lowest acceptable value")
    max: float | None = Field(default=None, description="Highest acceptable value")
    description: str = ""

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is above `max` ({self.max})")
        return self


class ValueModel(Frozen):
    """Money per decision outcome (classification) or per unit of error (regression)."""

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    true_positive: float = 0.0
    false_positive: float = 0.0
    false_negative: float = 0.0
    true_negative: float = 0.0
    cost_per_unit_error: float | None = Field(default=None, ge=0)


class Prices(Frozen):
    """The price table used to put a cost on compute, storage, serving and energy."""

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    cpu_hour: float = Field(default=0.05, ge=0)
    gpu_hour: float = Field(default=2.50, ge=0)
    gb_month: float = Field(default=0.023, ge=0)
    per_1k_requests: float = Field(default=0.0, ge=0)
    kwh: float = Field(default=0.15, ge=0)


class Staleness(Frozen):
    max_age_days: float = Field(gt=0, description="Newest row may be at most this old")


class ProjectSpec(Frozen):
    """A whole `modelward.yaml`."""

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    task: Task = Task.AUTO
    target: str | None = Field(default=None, min_length=1)
    positive_label: str | int | bool | None = None
    metric: str | None = None
    sensitive: tuple[str, ...] = ()
    time_column: str | None = None
    group_column: str | None = None
    staleness: Staleness | None = None
    gates: tuple[Gate, ...] = ()
    value: ValueModel | None = None
    prices: Prices = Prices()
    owners: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.metric is not None and self.metric not in self.task.metrics():
            allowed = ", ".join(self.task.metrics())
            raise ValueError(f"metric {self.metric!r} does not fit task {self.task}: use {allowed}")
        if self.target is None and self.task not in (Task.SEGMENT, Task.AUTO):
            raise ValueError(f"task {self.task} needs a `target` column")
        if self.target is not None and self.target in self.sensitive:
            raise ValueError(f"the target {self.target!r} cannot also be a sensitive attribute")
        overlap = set(self.owners) & set(self.approvers)
        if overlap and len(self.approvers) == len(overlap):
            raise ValueError("every approver is also an owner: name someone independent")
        return self

    @property
    def primary_metric(self) -> str:
        return self.metric or self.task.default_metric()

    def columns_named(self) -> dict[str, str]:
        """Spec fields that name a data column, to check against a dataset."""
        named = {"target": self.target, "time_column": self.time_column}
        named["group_column"] = self.group_column
        found = {key: col for key, col in named.items() if col}
        found.update({f"sensitive[{i}]": col for i, col in enumerate(self.sensitive)})
        return found

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)
