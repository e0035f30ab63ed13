"""The decision policy: how a binary model's probabilities become what the business does.

A model predicts (the most probable label and the probabilities); the business decides. A row
is acted on when the positive class's probability reaches its threshold: one threshold for
every row, or one per group of some columns (the sensitive attributes, when the spec allows
them to be read at decision time). The acted-on rows get the spec's action as their decision
(`retention_offer`), the others `none`; a spec without an action keeps the labels (the
positive class where acted on, the other one elsewhere).

The policy is chosen by the evaluation and stored in its report; every caller that decides
(batch scoring, the SDK, the server, monitoring) reads it back through `DecisionPolicy.from_json`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.spec import NO_ACTION, Action
from modelward.training import DecisionRule, Label, Record, Target

DEFAULT_THRESHOLD = 0.5
UNREACHABLE_THRESHOLD = math.nextafter(
    1.0, 2.0
)  # a threshold no probability reaches: acting never pays


def where_acting(threshold: float | None, *, grouped: bool = False) -> str:
    """Where a threshold policy acts, in words: "when the probability is at least 0.133"."""
    if grouped:
        return "when the probability reaches its group's threshold"
    if threshold is None or threshold > 1:
        return "on no row"
    return f"when the probability is at least {threshold:.3f}"


class Source(StrEnum):
    """Where a policy came from: what a reader of a decision should know about it."""

    EVALUATION = "evaluation"  # chosen by value within the spec's bounds, then reviewed
    MODEL_RULE = "model_rule"  # the model's own per-group thresholds (fairness post-processing)
    DEFAULT = "default"  # never evaluated: the most probable class decides (0.5)


@dataclass(frozen=True)
class DecisionPolicy:
    """Act on a row when P(positive) >= its threshold; name the decision of either side.

    `rule` gives per-group thresholds (its `default` for unseen or small groups) and replaces
    `threshold`, which then equals the rule's default. Immutable and thread-safe.
    """

    threshold: float
    act: Label  # the decision of an acted-on row: the action's name, or the positive label
    otherwise: Label  # `none`, or the negative label
    source: Source = Source.EVALUATION
    rule: DecisionRule | None = None
    action: str | None = None  # the spec's action name, None when decisions are labels

    @classmethod
    def default(cls, target: Target, *, rule: DecisionRule | None = None) -> DecisionPolicy:
        """A never-evaluated binary model: 0.5, or the model's own rule; decisions are labels."""
        negative, positive = target.classes
        if rule is not None:
            return cls(rule.default, positive, negative, Source.MODEL_RULE, rule)
        return cls(DEFAULT_THRESHOLD, positive, negative, Source.DEFAULT)

    @classmethod
    def of(
        cls,
        target: Target,
        threshold: float,
        *,
        action: str | None,
        rule: DecisionRule | None = None,
        source: Source = Source.EVALUATION,
    ) -> DecisionPolicy:
        """The policy acting at `threshold` (or `rule`), naming decisions by `action`."""
        negative, positive = target.classes
        if action is not None:
            clash = Action(name=action).clash(target.classes)
            if clash is not None:
                raise InputError.field(
                    "action.name", action, f"a decision name that is not the class label {clash!r}"
                )
            return cls(threshold, action, NO_ACTION, source, rule, action)
        return cls(threshold, positive, negative, source, rule)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the decision reads besides the features (a rule's groups)."""
        return () if self.rule is None else self.rule.columns

    def cuts(self, frame: pl.DataFrame) -> np.ndarray | float:
        """Each row's threshold (one number for all rows without a rule)."""
        return self.threshold if self.rule is None else self.rule.cuts(frame)

    def record_cuts(self, records: Sequence[Record]) -> np.ndarray | float:
        return self.threshold if self.rule is None else self.rule.record_cuts(records)

    def acted(self, p_positive: np.ndarray, cuts: np.ndarray | float) -> np.ndarray:
        """Which rows are acted on (a NaN probability is never acted on)."""
        return np.asarray(p_positive >= cuts, dtype=bool)

    def decisions(self, acted: np.ndarray) -> list[Label]:
        act, otherwise = self.act, self.otherwise
        return [act if hit else otherwise for hit in acted.tolist()]

    def describe(self) -> str:
        """The policy in a few words: "retention_offer when the probability is at least 0.133"."""
        doing = f"{self.act}" if self.action is not None else f"decide {self.act}"
        if self.rule is None and self.threshold > 1:
            return f"{self.otherwise} for every row (acting never pays)"
        if self.rule is None:
            return f"{doing} {where_acting(self.threshold)}"
        shown = ", ".join(f"{k} {v:.3f}" for k, v in sorted(self.rule.thresholds.items()))
        return f"{doing} at per-group thresholds ({shown}; {self.rule.default:.3f} otherwise)"

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": float(self.threshold),
            "act": self.act,
            "otherwise": self.otherwise,
            "source": self.source.value,
            "rule": None if self.rule is None else self.rule.to_json(),
            "action": self.action,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionPolicy:
        rule = data.get("rule")
        return cls(
            threshold=float(data["threshold"]),
            act=data["act"],
            otherwise=data["otherwise"],
            source=Source(data.get("source", Source.EVALUATION.value)),
            rule=None if rule is None else DecisionRule.from_json(rule),
            action=data.get("action"),
        )
