"""Post-processing: per-group decision thresholds with equal selection rates (demographic parity).

The members stay as they are and so do their probabilities; only the decision changes. For a
common selection rate r, each judged group's threshold selects its top r share of rows by
out-of-fold probability, and the rate kept is the one that earns the most (the value model's
money per decision, or accuracy without one). Groups under `MIN_GROUP_ROWS` rows, and groups
never seen in training, use the threshold that selects r of all rows.

The rule reads the sensitive attributes at decision time, which a model card has to say.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.evaluation.fairness import MIN_GROUP_ROWS, group_codes
from modelward.evaluation.policy_grid import RATES, rate_cuts, values_at
from modelward.evaluation.threshold import Threshold
from modelward.spec import Task, ValueModel
from modelward.training import DecisionRule, Evidence, TabularManifest, group_labels

ACCURACY = (1.0, 0.0, 0.0, 1.0)  # a right decision is worth 1, a wrong one 0
_TIE = 1e-9
USES_SENSITIVE = "uses the sensitive attribute at decision time"
RULE_NOTE = (
    "thresholds chosen on the same out-of-fold rows the evaluation judges: selection rates are "
    "equal there by construction, and close to equal on new rows"
)


@dataclass(frozen=True)
class RuleChoice:
    """The chosen rule, the common selection rate and its worth per decision."""

    rule: DecisionRule
    rate: float
    worth: float  # money per decision, or accuracy
    objective: str  # "value" or "accuracy"


def choose_rule(
    y: np.ndarray,
    p_pos: np.ndarray,
    frame: pl.DataFrame,
    columns: tuple[str, ...],
    value_model: ValueModel | None,
) -> RuleChoice:
    """The per-group thresholds of the most valuable common selection rate.

    `frame` holds `columns` for the rows of `y` and `p_pos`; a group is one combination of
    their values (the intersection of the sensitive attributes).

    Raises InputError when fewer than two groups have `MIN_GROUP_ROWS` rows: nothing to equalize.
    """
    names, codes = group_codes(group_labels(frame, columns))
    counts = np.bincount(codes, minlength=len(names))
    judged = [g for g in range(len(names)) if counts[g] >= MIN_GROUP_ROWS]
    if len(judged) < 2:
        raise InputError.field(
            "sensitive", ", ".join(columns), f"two or more groups of {MIN_GROUP_ROWS}+ rows"
        )
    by_value = value_model is not None and value_model.is_outcomes
    outcomes = value_model.outcome_values() if by_value and value_model else ACCURACY
    default = rate_cuts(p_pos, RATES)
    per_group: dict[int, np.ndarray] = {}
    total = np.zeros(len(RATES))
    rest = np.ones(len(y), dtype=bool)
    for g in judged:
        rows = codes == g
        per_group[g] = rate_cuts(p_pos[rows], RATES)
        total += values_at(y[rows], p_pos[rows], per_group[g], outcomes) * rows.sum()
        rest &= ~rows
    if rest.any():
        total += values_at(y[rest], p_pos[rest], default, outcomes) * rest.sum()
    worth = total / len(y)
    best = _pick(worth)
    rule = DecisionRule(
        columns,
        {names[g]: float(c[best]) for g, c in per_group.items()},
        float(default[best]),
    )
    return RuleChoice(
        rule, float(RATES[best]), float(worth[best]), "value" if by_value else "accuracy"
    )


def attach_rule(
    manifest: TabularManifest, choice: RuleChoice, frame: pl.DataFrame
) -> TabularManifest:
    """A copy of `manifest` with the rule, its columns required in the input (not features)."""
    decision = choice.rule.to_json() | {"rate": choice.rate, "objective": choice.objective}
    columns = [{"name": c, "dtype": str(frame[c].dtype)} for c in choice.rule.columns]
    schema = {**manifest.input_schema, "decision_columns": columns}
    return replace(manifest.unregistered(), decision=decision, input_schema=schema)


def rule_details(choice: RuleChoice) -> dict[str, Any]:
    """What the summary says of the rule; its sentence says the model uses the attributes."""
    columns = ", ".join(choice.rule.columns)
    best = "earns the most" if choice.objective == "value" else "is the most accurate"
    return {
        "decision": choice.rule.to_json() | {"rate": choice.rate, "objective": choice.objective},
        "uses_sensitive_attributes": True,
        "sentence": (
            f"{USES_SENSITIVE}: per-group thresholds on {columns} select {choice.rate:.1%} of "
            f"every group (demographic parity), the common rate that {best} on the out-of-fold "
            "predictions"
        ),
    }


def decision_view(
    evidence: Evidence, rule: DecisionRule | None, threshold: Threshold
) -> tuple[Evidence, Threshold]:
    """The evidence and threshold that judge a policy's decisions.

    Without per-group thresholds, both unchanged. With a `rule`, the out-of-fold probabilities
    are rescaled per row so that "at least one threshold" is exactly the rule's decision:
    within a group the order is kept (a monotone map), so decision measures (fairness,
    accuracy) judge the rule while the stored probabilities stay as they are.
    """
    if rule is None or evidence.target.task is not Task.BINARY:
        return evidence, threshold
    cut = rule.default if 0.0 < rule.default < 1.0 else 0.5
    p = evidence.oof[:, 1]
    rescaled = _rescale(p, rule.cuts(evidence.frame), cut)
    oof = np.column_stack([1.0 - rescaled, rescaled])
    judged = Threshold(cut, threshold.chosen_by, threshold.sentence)
    return dataclasses.replace(evidence, oof=oof), judged


def _pick(worth: np.ndarray) -> int:
    """The best rate; among equal ones the middle, away from the edges."""
    tied = np.flatnonzero(worth >= worth.max() - _TIE)
    return int(tied[len(tied) // 2])


def _rescale(p: np.ndarray, cuts: np.ndarray, cut: float) -> np.ndarray:
    """Map [0, t) onto [0, cut) and [t, 1] onto [cut, 1], row by row (t: the row's threshold)."""
    above = p >= cuts
    high = cut + (p - cuts) * (1.0 - cut) / np.maximum(1.0 - cuts, 1e-12)
    low = np.minimum(p * cut / np.maximum(cuts, 1e-12), np.nextafter(cut, 0.0))
    out = np.where(above, np.clip(high, cut, 1.0), np.clip(low, 0.0, None))
    return np.where(np.isnan(p), np.nan, out)
