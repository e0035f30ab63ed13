"""The project spec (`modelward.yaml`): what to predict, how to judge it, what it is worth."""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator

from modelward.spec.value import Action, Frozen, People, ValueModel

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
    Task.FORECAST: ("mase", "wape", "rmse", "mae"),
    Task.SEGMENT: ("silhouette", "davies_bouldin", "calinski_harabasz"),
}


GATE_OPERATORS = (">=", "<=", "==", ">", "<")


class Gate(Frozen):
    """A success criterion: a fact of the evaluation that must stay within bounds.

    Written as a mapping (`{metric: roc_auc, min: 0.8}`) or as one line (`roc_auc >= 0.80`,
    `beats_baseline`, `audit_errors == 0`). A bare name is a yes/no fact that must hold.
    Strict bounds (`>`, `<`) keep `strict: true`.
    """

    metric: str = Field(min_length=1, description="Fact name, e.g. roc_auc or membership_auc")
    min: float | None = Field(default=None, description="Lowest acceptable value")
    max: float | None = Field(default=None, description="Highest acceptable value")
    strict: bool = Field(default=False, description="Bounds exclude the value itself")
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_line(cls, data: Any) -> Any:
        return parse_gate_line(data) if isinstance(data, str) else data

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is above `max` ({self.max})")
        return self

    @property
    def text(self) -> str:
        """The gate as one line, e.g. `roc_auc >= 0.8`."""
        if self.min is not None and self.max is not None and self.min == self.max:
            return f"{self.metric} == {self.min:g}"
        parts = []
        if self.min is not None:
            parts.append(f"{self.metric} {'>' if self.strict else '>='} {self.min:g}")
        if self.max is not None:
            parts.append(f"{self.metric} {'<' if self.strict else '<='} {self.max:g}")
        return " and ".join(parts)


def parse_gate_line(line: str) -> dict[str, Any]:
    """`roc_auc >= 0.8` -> {metric, min}; `beats_baseline` -> {metric, min: 1}."""
    text = line.strip()
    for op in GATE_OPERATORS:
        name, found, value = text.partition(op)
        if not found:
            continue
        bound = _gate_number(value, line)
        fields: dict[str, Any] = {"metric": name.strip(), "strict": op in (">", "<")}
        if op in (">=", ">", "=="):
            fields["min"] = bound
        if op in ("<=", "<", "=="):
            fields["max"] = bound
        return fields
    if not text.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"gate {line!r}: expected `NAME >= NUMBER`, `NAME <= NUMBER` or a NAME")
    return {"metric": text, "min": 1.0}


def _gate_number(text: str, line: str) -> float:
    try:
        number = float(text.strip())
    except ValueError:
        raise ValueError(f"gate {line!r}: {text.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"gate {line!r}: {text.strip()!r} is not a finite number")
    return number


RULE_OPERATORS = (">=", "<=", "!=", ">", "<", "==")
Scalar = str | int | float | bool


class RuleCase(Frozen):
    """One branch of a business rule: when every condition holds, decide `then`.

    A condition maps a column to a value (equality) or to a comparison written as text:
    `{contract: Month-to-month, tenure: "< 12"}`.
    """

    when: dict[str, Scalar] = Field(min_length=1)
    then: Scalar

    @model_validator(mode="after")
    def _comparisons(self) -> Self:
        for column, condition in self.when.items():
            parse_condition(column, condition)
        return self


class IncumbentRule(Frozen):
    """The "traditional method" a model must beat in production: the rules people use today.

    Cases are tried in order; the first whose conditions all hold decides, else `otherwise`.
    A deployment scores it beside the served model on the same requests.
    """

    description: str = ""
    cases: tuple[RuleCase, ...] = Field(min_length=1)
    otherwise: Scalar

    def decide(self, row: Mapping[str, object]) -> Scalar:
        for case in self.cases:
            if all(_holds(row.get(c), *parse_condition(c, v)) for c, v in case.when.items()):
                return case.then
        return self.otherwise

    def acts(self, row: Mapping[str, object], positive: object) -> bool:
        """Whether the rule decides the positive class (acts) on `row`."""
        return str(self.decide(row)) == str(positive)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads."""
        return tuple(dict.fromkeys(c for case in self.cases for c in case.when))


def parse_condition(column: str, condition: Scalar) -> tuple[str, Scalar]:
    """`"< 12"` -> ("<", 12.0); a plain value -> ("==", value)."""
    if not isinstance(condition, str):
        return "==", condition
    text = condition.strip()
    for op in RULE_OPERATORS:
        if text.startswith(op):
            try:
                return op, float(text[len(op) :].strip())
            except ValueError:
                if op in ("==", "!="):
                    return op, text[len(op) :].strip()
                raise ValueError(
                    f"incumbent rule: {column} {text!r}: expected a number after {op}"
                ) from None
    return "==", text


def _holds(value: object, op: str, bound: Scalar) -> bool:
    if op in ("==", "!="):
        same = value == bound or (value is not None and str(value) == str(bound))
        return same if op == "==" else not same
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(str(value))
        except ValueError:
            return False
    number, limit = float(value), float(bound)
    return {"<": number < limit, "<=": number <= limit, ">": number > limit}.get(
        op, number >= limit
    )


class Prices(Frozen):
    """The price table used to put a cost on compute, storage, serving and energy."""

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    cpu_hour: float = Field(default=0.05, ge=0)
    gpu_hour: float = Field(default=2.50, ge=0)
    gb_month: float = Field(default=0.023, ge=0)
    per_1k_requests: float = Field(default=0.0, ge=0)
    kwh: float = Field(default=0.15, ge=0)
    watts_per_core: float = Field(default=15.0, ge=0, description="Draw of one busy CPU core")
    co2_kg_per_kwh: float = Field(default=0.4, ge=0, description="Grid carbon intensity")


class Monitoring(Frozen):
    """When a deployment's traffic counts as drifted, degraded or stale, and whom to tell."""

    psi_warning: float = Field(default=0.1, gt=0, description="Population stability index")
    psi_critical: float = Field(default=0.25, gt=0)
    js_warning: float = Field(default=0.1, gt=0, le=1, description="Jensen-Shannon distance")
    js_critical: float = Field(default=0.2, gt=0, le=1)
    p_value: float = Field(default=0.01, gt=0, lt=1, description="KS / chi-square level")
    min_rows: int = Field(default=100, ge=10, description="Rows needed before judging drift")
    performance_drop: float = Field(
        default=0.05, gt=0, lt=1, description="Accuracy (or R²) drop from the evaluation"
    )
    value_drop: float = Field(
        default=0.2,
        gt=0,
        le=10,
        description="Share of the evaluation's expected gain an estimated drop may take",
    )
    window_hours: float = Field(default=24.0, gt=0, description="Recent traffic judged")
    interval_minutes: float = Field(default=60.0, gt=0, description="Server's schedule")
    webhook: str | None = Field(default=None, pattern=r"^https?://\S+$")
    retrain_after_days: float | None = Field(
        default=None, gt=0, description="Schedule: suggest retraining a champion this old"
    )
    forgetting_bound: float = Field(
        default=0.02, ge=0, description="Most a challenger may lose on older data (metric units)"
    )
    segments: tuple[str, ...] = Field(
        default=(), description="Columns whose values are monitored apart, e.g. [contract]"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.psi_critical < self.psi_warning or self.js_critical < self.js_warning:
            raise ValueError("monitoring: a critical threshold is below its warning threshold")
        return self


class RetrainTrigger(StrEnum):
    SCHEDULE = "schedule"  # the champion is older than `every_days`
    DRIFT = "drift"  # critical drift, or critical refusals of values outside training
    ESTIMATED_VALUE_DROP = "estimated_value_drop"  # before labels: monitoring.value_drop passed
    REALIZED_VALUE_DROP = "realized_value_drop"  # once labels arrive
    NEW_DATA = "new_data"  # a newer version of the training dataset


class RetrainAction(StrEnum):
    NOTIFY = "notify"  # record the decision and tell monitoring.webhook; people retrain
    CHALLENGER = "challenger"  # train a challenger; it waits for review like any model
    SHADOW = "shadow"  # train a challenger and shadow it on the deployment's live traffic


class RetrainingPolicy(Frozen):
    """When a deployment gets a challenger, and what happens then. A running server applies it
    after each monitoring pass, once across replicas; retraining happens only where the value
    expected to be lost until the next window exceeds what retraining costs (when priced)."""

    trigger: RetrainTrigger
    action: RetrainAction = RetrainAction.SHADOW
    every_days: float | None = Field(default=None, gt=0, description="schedule: champion age")
    cooldown_days: float = Field(
        default=7.0, ge=0, description="Least time between two challengers for a deployment"
    )
    budget_seconds: float = Field(default=300.0, gt=0, description="The challenger's budget")

    @model_validator(mode="after")
    def _scheduled(self) -> Self:
        if self.trigger is RetrainTrigger.SCHEDULE and self.every_days is None:
            raise ValueError("retraining: a schedule trigger needs `every_days`, e.g. 30")
        if self.trigger is not RetrainTrigger.SCHEDULE and self.every_days is not None:
            raise ValueError(
                f"retraining: `every_days` is for the schedule trigger, not {self.trigger}"
            )
        return self


COUNTRY_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"


class Forecast(Frozen):
    """How a demand forecast is framed: how far ahead, per which series, knowing what."""

    horizon: int = Field(ge=1, le=366, description="Periods forecast ahead, e.g. 14 days")
    groups: tuple[str, ...] = Field(default=(), description="Columns naming one series each")
    covariates: tuple[str, ...] = Field(
        default=(), description="Columns known in advance: promotions, prices, weather, events"
    )
    country: str | None = Field(
        default=None, pattern=COUNTRY_PATTERN, description="Holiday calendar, e.g. US or DE-BY"
    )
    interval: float = Field(default=0.8, gt=0, lt=1, description="Prediction interval level")
    origins: int = Field(default=6, ge=2, le=60, description="Rolling-origin backtest windows")

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        both = set(self.groups) & set(self.covariates)
        if both:
            raise ValueError(f"forecast: {sorted(both)} named as both group and covariate")
        return self


class Segments(Frozen):
    """How customer segments are searched: how many at least and at most, and with what."""

    min_segments: int = Field(default=2, ge=2, le=20)
    max_segments: int = Field(default=8, ge=2, le=20)
    method: str = Field(default="auto", pattern=r"^(auto|kmeans|gmm)$")
    exclude: tuple[str, ...] = Field(default=(), description="Columns kept out of the clustering")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_segments < self.min_segments:
            raise ValueError("segments: max_segments is below min_segments")
        return self


STRICT_MARGIN = 1e-6  # how far below a strict bound a difference must stay
# The fairness differences a decision policy can be held to (gates on their worst value).
FAIRNESS_BOUNDED = (
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
)


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
    action: Action | None = None
    people: People | None = None
    prices: Prices = Prices()
    owners: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    incumbent: IncumbentRule | None = None
    monitoring: Monitoring = Monitoring()
    retraining: tuple[RetrainingPolicy, ...] = ()
    forecast: Forecast | None = None
    segments: Segments = Segments()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.metric is not None and self.metric not in self.task.metrics():
            allowed = ", ".join(self.task.metrics())
            raise ValueError(f"metric {self.metric!r} does not fit task {self.task}: use {allowed}")
        if self.target is None and self.task not in (Task.SEGMENT, Task.AUTO):
            raise ValueError(f"task {self.task} needs a `target` column")
        if self.target is not None and self.target in self.sensitive:
            raise ValueError(f"the target {self.target!r} cannot also be a sensitive attribute")
        self._check_value()
        self._check_action()
        self._check_forecast()
        overlap = set(self.owners) & set(self.approvers)
        if overlap and len(self.approvers) == len(overlap):
            raise ValueError("every approver is also an owner: name someone independent")
        return self

    def _check_forecast(self) -> None:
        if self.task is not Task.FORECAST:
            return
        if self.time_column is None:
            raise ValueError("task forecast needs `time_column` (the date of each period)")
        if self.forecast is None:
            raise ValueError("task forecast needs a `forecast:` section with `horizon`")
        framing = {c for c in (self.target, self.time_column) if c is not None}
        named = framing & {*self.forecast.groups, *self.forecast.covariates}
        if named:
            raise ValueError(f"forecast: {sorted(named)} cannot be a group or covariate")

    def _check_value(self) -> None:
        if self.value is None:
            return
        if self.task in (Task.REGRESSION, Task.FORECAST) and self.value.cost_per_unit_error is None:
            raise ValueError(f"value: a {self.task} value model needs cost_per_unit_error")
        if self.task is Task.SEGMENT:
            raise ValueError("value: value models apply to binary, regression and forecast tasks")
        if self.task is Task.BINARY and not self.value.is_outcomes:
            raise ValueError(
                "value: a binary value model needs cost_of_action, value_of_success and "
                "success_rate (or the four outcome values)"
            )
        if self.task is Task.MULTICLASS:
            raise ValueError("value: value models apply to binary and regression tasks")

    def _check_action(self) -> None:
        if self.action is None:
            return
        if self.task not in (Task.BINARY, Task.AUTO):
            raise ValueError(f"action: a decision policy acts on binary tasks, not {self.task}")
        if self.positive_label is not None and str(self.positive_label) == self.action.name:
            raise ValueError(
                f"action.name: {self.action.name!r} is also the positive class label; name the "
                "act (e.g. retention_offer), not the outcome"
            )
        if self.action.group_thresholds and not self.sensitive:
            raise ValueError("action.group_thresholds: name the `sensitive` attributes it reads")

    def warnings(self) -> tuple[str, ...]:
        """What is allowed but probably wrong: a value model that counts an outcome twice, a
        fairness gate the decision policy is not chosen within."""
        found = [] if self.value is None else list(self.value.double_counting())
        unbound = [
            g.text
            for g in self.gates
            if g.metric.startswith("fairness.")
            and g.metric.removeprefix("fairness.") not in FAIRNESS_BOUNDED
        ]
        if unbound and self.value is not None and self.task in (Task.BINARY, Task.AUTO):
            found.append(
                f"gates: {', '.join(unbound)} are checked after the decision policy is chosen, "
                "not held to while choosing it (only the worst demographic parity, equal "
                "opportunity and equalized odds differences are): the policy may fail them"
            )
        return tuple(found)

    def fairness_bounds(self) -> dict[str, float]:
        """The tightest upper bound the gates set on each fairness difference, by measure (a
        strict `<` bound a hair below its value)."""
        bounds: dict[str, float] = {}
        for gate in self.gates:
            measure = gate.metric.removeprefix("fairness.")
            if measure in FAIRNESS_BOUNDED and gate.max is not None:
                bound = gate.max - (STRICT_MARGIN if gate.strict else 0.0)
                bounds[measure] = min(bounds.get(measure, bound), bound)
        return bounds

    @property
    def primary_metric(self) -> str:
        return self.metric or self.task.default_metric()

    def columns_named(self) -> dict[str, str]:
        """Spec fields that name a data column, to check against a dataset."""
        named = {"target": self.target, "time_column": self.time_column}
        named["group_column"] = self.group_column
        found = {key: col for key, col in named.items() if col}
        found.update({f"sensitive[{i}]": col for i, col in enumerate(self.sensitive)})
        segments = self.monitoring.segments
        found.update({f"monitoring.segments[{i}]": col for i, col in enumerate(segments)})
        if self.forecast is not None:
            found.update({f"forecast.groups[{i}]": c for i, c in enumerate(self.forecast.groups)})
            found.update(
                {f"forecast.covariates[{i}]": c for i, c in enumerate(self.forecast.covariates)}
            )
        return found

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)
