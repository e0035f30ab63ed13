"""What decisions are worth: the value model, the action taken, and the people's time.

A binary value model prices the four outcomes of a decision relative to doing nothing. It is
written either as the four cells (`true_positive`, `false_positive`, `false_negative`,
`true_negative`) or as the economics they come from, which cannot count one outcome twice:

    cost_of_action    c   what acting on one row costs (the offer, the call, the review)
    value_of_success  V   what a successful action on a positive earns (a kept customer)
    success_rate      s   the share of positives the action succeeds on
    loss_if_missed    L   what a positive costs beyond the no-action world when not acted on
                          (usually 0: without the action, the churner leaves anyway)

    true_positive  = s·V − c − (1 − s)·L      false_positive = −c
    false_negative = −L                       true_negative  = 0

Acting on a row with probability p of being positive pays when
p·(TP − FN) ≥ (1 − p)·(TN − FP): the break-even probability is (TN − FP) / (TP − FN + TN − FP).

A matrix that pays for acting on a positive (TP above TN) *and* charges for not acting on one
(FN below TN) prices the same customer twice: acting on a churner is then worth TP − FN, the
customer's value counted once as saved and once more as lost. That is reported as a warning
naming the fields (a refusal under `strict: true`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

OUTCOMES = ("true_positive", "false_positive", "false_negative", "true_negative")
ECONOMICS = ("cost_of_action", "value_of_success", "success_rate", "loss_if_missed")
NO_ACTION = "none"  # the decision of a row not acted on, when the spec names an action
ACTION_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"


class Frozen(BaseModel):
    # NaN and infinity are refused: `x <= nan` is false for every x, so a NaN bound is a
    # gate that cannot fail.
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )


class ValueModel(Frozen):
    """Money per decision outcome (binary) or per unit of error (regression).

    A binary value model names all four outcomes (0 where an outcome is worth nothing), so a
    forgotten one is an error, not a silent zero; or it states the economics they derive from
    (see the module). `decisions_per_year` and `horizon_years` state the volume value and ROI
    are computed over.
    """

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    true_positive: float | None = None
    false_positive: float | None = None
    false_negative: float | None = None
    true_negative: float | None = None
    cost_of_action: float | None = Field(
        default=None, ge=0, description="What acting on one row costs"
    )
    value_of_success: float | None = Field(
        default=None, ge=0, description="What a successful action on a positive earns"
    )
    success_rate: float | None = Field(
        default=None, ge=0, le=1, description="Share of positives the action succeeds on"
    )
    loss_if_missed: float | None = Field(
        default=None, ge=0, description="What a positive not acted on costs beyond doing nothing"
    )
    cost_per_unit_error: float | None = Field(default=None, ge=0)
    decisions_per_year: float | None = Field(default=None, gt=0)
    horizon_years: float = Field(default=1.0, gt=0)
    strict: bool = Field(default=False, description="Refuse a value model that double counts")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        cells = [name for name in OUTCOMES if getattr(self, name) is not None]
        economics = [name for name in ECONOMICS if getattr(self, name) is not None]
        if cells and economics:
            raise ValueError(
                f"give either the four outcome values or the economics, not both "
                f"(found {', '.join(cells)} and {', '.join(economics)})"
            )
        if cells and len(cells) < len(OUTCOMES):
            missing = ", ".join(name for name in OUTCOMES if name not in cells)
            raise ValueError(
                f"missing {missing}: a value model names all four outcomes "
                "(money per decision; write 0 for an outcome worth nothing)"
            )
        if economics:
            self._check_economics()
        if not cells and not economics and self.cost_per_unit_error is None:
            raise ValueError(
                "give cost_of_action, value_of_success and success_rate (or the four outcome "
                "values true_positive ... true_negative) for classification, or "
                "cost_per_unit_error for regression"
            )
        if self.strict and self.double_counting():
            raise ValueError(self.double_counting()[0] + " (refused: strict is true)")
        return self

    def _check_economics(self) -> None:
        if self.cost_of_action is None:
            raise ValueError("the economics need cost_of_action (write 0 if acting is free)")
        if self.value_of_success is None and self.loss_if_missed is None:
            raise ValueError("the economics need value_of_success or loss_if_missed")
        if self.success_rate is None:
            raise ValueError(
                "the economics need success_rate: the share of positives the action succeeds on"
            )

    @property
    def is_outcomes(self) -> bool:
        """Whether decisions are priced (a binary value model), not errors."""
        return self.true_positive is not None or self.cost_of_action is not None

    @property
    def from_economics(self) -> bool:
        return self.cost_of_action is not None

    def outcome_values(self) -> tuple[float, float, float, float]:
        """(true_positive, false_positive, false_negative, true_negative), for a binary task."""
        if self.cost_of_action is not None:
            c, s = self.cost_of_action, self.success_rate or 0.0
            v, loss = self.value_of_success or 0.0, self.loss_if_missed or 0.0
            return (s * v - c - (1.0 - s) * loss, -c, -loss, 0.0)
        values = tuple(getattr(self, name) for name in OUTCOMES)
        if any(v is None for v in values):
            raise ValueError("this value model prices errors, not decision outcomes")
        return (float(values[0]), float(values[1]), float(values[2]), float(values[3]))

    def break_even(self) -> float | None:
        """The probability from which acting on a row pays: 0.0 when acting always pays, None
        when no probability makes it pay (see `acting_pays` for the words)."""
        tp, fp, fn, tn = self.outcome_values()
        gain, cost = tp - fn, tn - fp  # acting on a positive gains; on a negative it costs
        # acting pays where p * gain >= (1 - p) * cost, that is p * (gain + cost) >= cost
        if gain + cost <= 0:
            return 0.0 if cost <= 0 and gain >= 0 else None
        point = cost / (gain + cost)
        return max(point, 0.0) if point < 1.0 else None

    def acting_pays(self) -> str:
        """When acting on a row pays, in words: "acting pays from a probability of 0.139"."""
        found = self.break_even()
        if found == 0.0:
            return "acting always pays"
        if found is not None:
            return f"acting pays from a probability of {found:.3f}"
        tp, fp, fn, tn = self.outcome_values()
        if tp - fn < 0 and tn - fp < 0:
            return (
                "acting pays only on rows unlikely to be positive: check the signs of the "
                "outcome values"
            )
        return "acting never pays"

    def describe(self) -> str:
        """The payoff matrix in one line, with where it comes from and when acting pays."""
        if not self.is_outcomes:
            return f"{self.cost_per_unit_error or 0:,.2f} {self.currency} per unit of error"
        tp, fp, fn, tn = self.outcome_values()
        text = (
            f"in {self.currency} per decision, a true positive {tp:+,.2f}, a false positive "
            f"{fp:+,.2f}, a false negative {fn:+,.2f}, a true negative {tn:+,.2f}"
        )
        if self.cost_of_action is not None:
            text += (
                f" (acting costs {self.cost_of_action:,.2f} and succeeds on "
                f"{self.success_rate or 0:.0%} of positives, each success worth "
                f"{self.value_of_success or 0:,.2f})"
            )
        return f"{text}; {self.acting_pays()}"

    def double_counting(self) -> tuple[str, ...]:
        """Warnings, naming the fields and the fix, where one outcome is priced twice."""
        if self.cost_of_action is not None:
            if (self.value_of_success or 0) > 0 and (self.loss_if_missed or 0) > 0:
                return (
                    f"value: value_of_success ({self.value_of_success:g}) and loss_if_missed "
                    f"({self.loss_if_missed:g}) both count a positive's value: relative to doing "
                    "nothing, a missed positive is already the loss of what a success would "
                    "have kept; set loss_if_missed to 0 unless missing one costs more than "
                    "doing nothing",
                )
            return ()
        if not self.is_outcomes:
            return ()
        tp, _fp, fn, tn = self.outcome_values()
        if tp > tn and fn < tn:
            return (
                f"value: true_positive ({tp:g}) pays for acting on a positive and "
                f"false_negative ({fn:g}) charges again for not acting on one, relative to "
                f"true_negative ({tn:g}): acting on a positive is then worth {tp - fn:g}, its "
                "value counted twice; price outcomes against doing nothing (false_negative: "
                f"{tn:g}) or state cost_of_action, value_of_success and success_rate instead",
            )
        return ()


class Action(Frozen):
    """What the business does for a row the model selects: the `decision` answers name it.

    `group_thresholds` allows the decision policy to read the sensitive attributes at decision
    time (one threshold per group), which some laws forbid: off unless said.
    """

    name: str = Field(pattern=ACTION_PATTERN, description="e.g. retention_offer")
    description: str = ""
    group_thresholds: bool = Field(
        default=False, description="May each sensitive group get its own threshold"
    )

    @model_validator(mode="after")
    def _not_none(self) -> Self:
        if self.name.lower() == NO_ACTION:
            raise ValueError(f"{NO_ACTION!r} is the decision for rows not acted on; name the act")
        return self

    def clash(self, labels: Iterable[object]) -> str | None:
        """The class label a decision named by this action would read as, if any: the
        action's name itself, or `none` (the decision of rows not acted on)."""
        texts = {str(label) for label in labels}
        return next((name for name in (self.name, NO_ACTION) if name in texts), None)


class Activity(Frozen):
    hours: float = Field(ge=0, description="Hours per model version (monitoring: per month)")
    hourly_rate: float | None = Field(default=None, ge=0, description="Overrides people's rate")


class People(Frozen):
    """The people's time a model takes: the cost businesses forget to count.

    Building, reviewing and approving are hours per model version; monitoring is hours per
    month the model is in production. Priced in the price table's currency.
    """

    hourly_rate: float = Field(default=0.0, ge=0, description="Default rate of an hour")
    building: Activity | None = None
    reviewing: Activity | None = None
    approving: Activity | None = None
    monitoring: Activity | None = None

    def rate(self, activity: Activity) -> float:
        return self.hourly_rate if activity.hourly_rate is None else activity.hourly_rate

    def per_version(self) -> dict[str, float]:
        """Money per model version, per one-off activity that is given."""
        found = {"building": self.building, "reviewing": self.reviewing}
        found["approving"] = self.approving
        return {name: a.hours * self.rate(a) for name, a in found.items() if a is not None}

    def per_month(self) -> float:
        """Money per month of monitoring a production model."""
        return (
            0.0 if self.monitoring is None else self.monitoring.hours * self.rate(self.monitoring)
        )
