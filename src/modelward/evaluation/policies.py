"""The decision policy, chosen openly: by value, within the spec's fairness bounds.

On the out-of-fold rows, every way of deciding is priced by the value model and shown side by
side: the model's best threshold, its best threshold within the fairness bounds, per-group
thresholds (only where the spec lets the sensitive attributes be read at decision time), and
the policies that need no model (act on everyone, on nobody, the spec's incumbent rule). The
chosen policy is the most valuable model policy within the bounds; what the bounds cost is the
unbounded best's value minus the chosen one's. Each baseline is held to the same bounds and
priced at its own best policy, so "better than a simple rule" compares like with like.

A chosen policy close to a policy without a model is degenerate, and said so: when it earns
under `NEGLIGIBLE_CAPTURE` of what perfect decisions (each row decided knowing its outcome)
would add over the best no-model policy, or when it decides as a no-model policy does on at
least `SAME_DECISIONS` of the rows while earning under `SMALL_CAPTURE` of what perfect
decisions would add over that policy. Thresholds are tuned on the rows they are judged on, for
the model and the baselines alike; the value of a policy on new rows is somewhat lower.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from modelward.evaluation.numbers import json_float, money
from modelward.evaluation.policy_grid import (
    RATES,
    Groups,
    Outcomes,
    acted_by_groups,
    candidates,
    gaps_at,
    gaps_of,
    group_cuts,
    row_values,
    values_at,
    within,
)
from modelward.model import REFERENCE_NAMES, UNREACHABLE_THRESHOLD, reference_acts, reference_keys
from modelward.spec import FAIRNESS_BOUNDED, IncumbentRule, ProjectSpec, ValueModel
from modelward.training import DecisionRule, Target, group_labels

NEGLIGIBLE_CAPTURE = 0.05
SMALL_CAPTURE = 0.25
SAME_DECISIONS = 0.85
_TIE = 1e-9  # money this close is the same (float sums of many rows)
_STEP = float(RATES[1] - RATES[0])
Kind = Literal["model", "no_model", "baseline"]


@dataclass(frozen=True)
class Option:
    """One way of deciding on the judged rows, and what it earns per 1,000 decisions.

    `key` names it for the stages that read the report back (`best`, `bounded`, `groups`,
    `rule`, a no-model policy's key, `baseline:<name>`); `acted` holds the row decisions (kept
    out of the JSON); `gaps` the decisions' fairness differences, the worst over each
    sensitive attribute and intersection. `threshold` is None for per-group thresholds
    (`rule`) and for the no-model policies; above 1 it acts on no row.
    """

    key: str
    name: str
    kind: Kind
    value_per_1000: float
    acted_share: float
    gaps: Mapping[str, float]
    within_bounds: bool
    acted: np.ndarray = field(repr=False, compare=False)
    threshold: float | None = None
    rule: DecisionRule | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "value_per_1000": json_float(self.value_per_1000, 2),
            "acted_share": json_float(self.acted_share),
            "threshold": None if self.threshold is None else json_float(min(self.threshold, 1)),
            "acts_on_no_row": self.threshold is not None and self.threshold > 1,
            "group_thresholds": None if self.rule is None else self.rule.to_json(),
            "fairness": {k: json_float(v) for k, v in self.gaps.items()},
            "within_bounds": self.within_bounds,
        }


@dataclass(frozen=True)
class PolicyChoice:
    """The chosen policy among the alternatives, with what the bounds cost and whether it is
    degenerate (`degenerate` is the sentence saying why, None when it is not)."""

    chosen: Option
    unbounded: Option
    reference: Option
    options: tuple[Option, ...]
    baselines: tuple[Option, ...]
    bounds: Mapping[str, float]
    perfect_per_1000: float
    break_even: float | None
    degenerate: str | None
    rows: int

    @property
    def gain_per_1000(self) -> float:
        """What the chosen policy earns over the best no-model policy, per 1,000 decisions."""
        return self.chosen.value_per_1000 - self.reference.value_per_1000

    @property
    def fairness_cost_per_1000(self) -> float:
        """What keeping within the bounds costs: 0 when the best policy already does."""
        cost = self.unbounded.value_per_1000 - self.chosen.value_per_1000
        return cost if cost > _TIE else 0.0

    @property
    def capture(self) -> float:
        """The share of what perfect decisions would add over the reference that it earns."""
        room = self.perfect_per_1000 - self.reference.value_per_1000
        return self.gain_per_1000 / room if room > _TIE else 0.0

    def facts(self) -> dict[str, float]:
        facts = {
            "policy_degenerate": 1.0 if self.degenerate else 0.0,
            "policy_acted_share": self.chosen.acted_share,
            "policy_capture": self.capture,
            "fairness_cost_per_1000": self.fairness_cost_per_1000,
        }
        if self.chosen.threshold is not None:
            facts["best_threshold"] = min(self.chosen.threshold, 1.0)
        if self.break_even is not None:
            facts["break_even"] = self.break_even
        return facts

    def to_json(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen.name,
            "unbounded": self.unbounded.name,
            "reference": self.reference.name,
            "reference_key": self.reference.key,
            "bounds": dict(self.bounds),
            "options": [o.to_json() for o in self.options],
            "baselines": [o.to_json() for o in self.baselines],
            "perfect_per_1000": json_float(self.perfect_per_1000, 2),
            "gain_per_1000": json_float(self.gain_per_1000, 2),
            "fairness_cost_per_1000": json_float(self.fairness_cost_per_1000, 2),
            "capture": json_float(self.capture),
            "break_even": json_float(self.break_even),
            "degenerate": self.degenerate,
            "rows": self.rows,
        }


@dataclass(frozen=True)
class Judged:
    """The rows a policy is judged on: labels, the positive class's probability, the raw rows
    (for the incumbent rule and per-group thresholds), the sensitive `columns` among them and
    their groupings: each attribute, then each intersection, the last of all of them."""

    y: np.ndarray
    p: np.ndarray
    frame: pl.DataFrame | None = None
    columns: tuple[str, ...] = ()
    groupings: tuple[Groups, ...] = ()

    @classmethod
    def of(
        cls, frame: pl.DataFrame, y: np.ndarray, p: np.ndarray, sensitive: Sequence[str] = ()
    ) -> Judged:
        """The judged rows of `frame`, grouped by the `sensitive` columns it has."""
        columns = tuple(c for c in sensitive if c in frame.columns)
        sizes = range(1, len(columns) + 1)
        subsets = [s for r in sizes for s in itertools.combinations(columns, r)]
        groupings = tuple(Groups.of(group_labels(frame, subset)) for subset in subsets)
        return cls(y, p, frame, columns, groupings)

    @property
    def intersection(self) -> Groups | None:
        return self.groupings[-1] if self.groupings else None

    def scoring(self, p: np.ndarray) -> Judged:
        """The same rows judged on another model's probabilities."""
        return dataclasses.replace(self, p=p)


@dataclass(frozen=True)
class Constraints:
    """What limits the choice: fairness bounds (a difference's maximum, by measure), whether
    per-group thresholds may read the sensitive attributes, and today's rule to beat."""

    bounds: Mapping[str, float] = field(default_factory=dict)
    group_thresholds: bool = False
    incumbent: IncumbentRule | None = None

    @classmethod
    def of(cls, spec: ProjectSpec) -> Constraints:
        allowed = spec.action is not None and spec.action.group_thresholds
        return cls(spec.fairness_bounds(), allowed, spec.incumbent)


def choose_policy(
    judged: Judged,
    value_model: ValueModel,
    target: Target,
    *,
    constraints: Constraints | None = None,
    baselines: Mapping[str, np.ndarray] | None = None,
    rule: DecisionRule | None = None,
) -> PolicyChoice:
    """Price every way of deciding and choose the most valuable model policy within bounds.

    `baselines` maps a baseline's name to its positive-class probabilities on the same rows
    (NaN-free); `rule` is the model's own per-group thresholds, which then decide. Bounds
    apply only where the rows are grouped (sensitive columns present).
    """
    limits = constraints or Constraints()
    outcomes = value_model.outcome_values()
    bounds = limits.bounds if judged.groupings else {}
    allow = limits.group_thresholds
    model = _model_options(judged, outcomes, bounds, allow_groups=allow)
    if rule is not None:
        model = [*model, _rule_option(judged, outcomes, bounds, rule)]
    fixed = _no_model_options(judged, outcomes, bounds, limits.incumbent, target)
    reference = max(fixed, key=lambda o: o.value_per_1000)
    chosen = model[-1] if rule is not None else _best(model)
    perfect = _perfect(judged.y, outcomes)
    rivals = [
        dataclasses.replace(
            _best(_model_options(judged.scoring(p), outcomes, bounds, allow)),
            key=f"baseline:{name}",
            name=f"baseline {name}",
            kind="baseline",
        )
        for name, p in (baselines or {}).items()
    ]
    return PolicyChoice(
        chosen=chosen,
        unbounded=model[0],
        reference=reference,
        options=(*model, *fixed),
        baselines=tuple(rivals),
        bounds=bounds,
        perfect_per_1000=perfect,
        break_even=value_model.break_even(),
        degenerate=_degenerate(chosen, fixed, reference, perfect),
        rows=len(judged.y),
    )


def _model_options(
    judged: Judged, outcomes: Outcomes, bounds: Mapping[str, float], allow_groups: bool
) -> list[Option]:
    """The best threshold, the best within the bounds, and per-group thresholds if allowed."""
    y, p = judged.y, judged.p
    cuts = candidates(p)
    values = values_at(y, p, cuts, outcomes)
    gaps = gaps_at(y, p, judged.groupings, cuts)
    allowed = within(gaps, bounds, len(cuts))
    free = _pick(values, np.ones(len(cuts), dtype=bool))
    found = [_threshold_option("best", "best threshold", judged, cuts[free], outcomes, bounds)]
    if not bounds:
        return found
    best = _pick(values, allowed)
    if best != free:  # the best threshold may already keep within the bounds
        name = "best threshold within the bounds"
        found.append(_threshold_option("bounded", name, judged, cuts[best], outcomes, bounds))
    if allow_groups and judged.intersection is not None:
        grouped = _group_option(judged, outcomes, bounds)
        if grouped is not None:
            found.append(grouped)
    return found


def _threshold_option(
    key: str,
    name: str,
    judged: Judged,
    cut: float,
    outcomes: Outcomes,
    bounds: Mapping[str, float],
) -> Option:
    threshold = float(cut) if math.isfinite(cut) else UNREACHABLE_THRESHOLD
    found = _option(key, name, "model", judged, judged.p >= threshold, outcomes, bounds)
    return dataclasses.replace(found, threshold=threshold)


def _group_option(judged: Judged, outcomes: Outcomes, bounds: Mapping[str, float]) -> Option | None:
    """Per-group thresholds at the most valuable rates the bound allows.

    The bounded rate (selection rate for demographic parity, else the true positive rate) of
    every judged group of the intersection stays within one window [r, r + bound]: for each
    base rate r, each group takes its most valuable rate in the window (money adds up over
    groups), smaller groups the threshold of all rows at r. The decisions' actual gaps, over
    every attribute and intersection, are checked against every bound.
    """
    groups = judged.intersection
    assert groups is not None
    equalized = next(m for m in FAIRNESS_BOUNDED if m in bounds)
    width = math.floor(min(bounds[equalized], 1.0) / _STEP + 1e-9)
    by_tpr = equalized != "demographic_parity_difference"
    default, per_group = group_cuts(judged.y, judged.p, groups, by_tpr=by_tpr)
    worth = {g: _group_values(judged, groups, g, cuts, outcomes) for g, cuts in per_group.items()}
    best: Option | None = None
    for base in range(len(RATES)):
        top = min(base + width, len(RATES) - 1)
        mine = {
            g: float(per_group[g][base + int(np.argmax(v[base : top + 1]))])
            for g, v in worth.items()
        }
        acted = acted_by_groups(judged.p, groups, float(default[base]), mine)
        found = _option("groups", "per-group thresholds", "model", judged, acted, outcomes, bounds)
        if found.within_bounds and (
            best is None or found.value_per_1000 > best.value_per_1000 + _TIE
        ):
            named = {groups.names[g]: c for g, c in mine.items()}
            rule = DecisionRule(judged.columns, named, float(default[base]))
            best = dataclasses.replace(found, rule=rule)
    return best


def _group_values(
    judged: Judged, groups: Groups, g: int, cuts: np.ndarray, outcomes: Outcomes
) -> np.ndarray:
    """A group's total money at each of its candidate thresholds."""
    rows = groups.codes == g
    total = values_at(judged.y[rows], judged.p[rows], cuts, outcomes) * rows.sum()
    return np.asarray(total, dtype=np.float64)


def _rule_option(
    judged: Judged, outcomes: Outcomes, bounds: Mapping[str, float], rule: DecisionRule
) -> Option:
    """The model's own per-group thresholds (fairness post-processing), as it decides."""
    assert judged.frame is not None
    acted = judged.p >= rule.cuts(judged.frame)
    name = "the model's per-group thresholds"
    found = _option("rule", name, "model", judged, acted, outcomes, bounds)
    return dataclasses.replace(found, rule=rule)


def _no_model_options(
    judged: Judged,
    outcomes: Outcomes,
    bounds: Mapping[str, float],
    incumbent: IncumbentRule | None,
    target: Target,
) -> list[Option]:
    frame = judged.frame
    rule = incumbent if frame is not None else None
    rows: list[dict[str, Any]] = []
    if rule is not None and frame is not None:
        rows = frame.select([c for c in rule.columns if c in frame.columns]).to_dicts()
    found = []
    for key in reference_keys(rule):
        acted = reference_acts(key, len(judged.y), rows=rows, rule=rule, positive=target.positive)
        found.append(
            _option(key, REFERENCE_NAMES[key], "no_model", judged, acted, outcomes, bounds)
        )
    return found


def _option(
    key: str,
    name: str,
    kind: Kind,
    judged: Judged,
    acted: np.ndarray,
    outcomes: Outcomes,
    bounds: Mapping[str, float],
) -> Option:
    gaps = gaps_of(judged.y, acted, judged.groupings)
    return Option(
        key=key,
        name=name,
        kind=kind,
        value_per_1000=1000 * float(np.mean(row_values(judged.y, acted, outcomes))),
        acted_share=float(acted.mean()) if len(acted) else 0.0,
        gaps=gaps,
        within_bounds=all(gaps.get(m, 0.0) <= b + 1e-9 for m, b in bounds.items()),
        acted=acted,
    )


def _best(options: Sequence[Option]) -> Option:
    """The most valuable option within the bounds (the first one when none is)."""
    allowed = [o for o in options if o.within_bounds]
    return max(allowed, key=lambda o: o.value_per_1000) if allowed else options[0]


def _perfect(y: np.ndarray, outcomes: Outcomes) -> float:
    """Money per 1,000 decisions if each row were decided knowing its outcome."""
    acting = row_values(y, np.ones(len(y), dtype=bool), outcomes)
    waiting = row_values(y, np.zeros(len(y), dtype=bool), outcomes)
    return 1000 * float(np.mean(np.maximum(acting, waiting)))


def _degenerate(
    chosen: Option, fixed: Sequence[Option], reference: Option, perfect: float
) -> str | None:
    room = perfect - reference.value_per_1000
    gain = chosen.value_per_1000 - reference.value_per_1000
    if room <= _TIE:
        return (
            f"no better than the policy without a model ({reference.name}): it already decides "
            "as well as knowing every outcome would"
        )
    if gain < NEGLIGIBLE_CAPTURE * room:
        return (
            f"no better than the policy without a model ({reference.name}): it earns "
            f"{money(gain)} per 1,000 decisions more, {max(gain, 0) / room:.0%} of what perfect "
            "decisions would add"
        )
    for option in fixed:
        same = float(np.mean(chosen.acted == option.acted)) if len(chosen.acted) else 1.0
        room = perfect - option.value_per_1000
        gain = chosen.value_per_1000 - option.value_per_1000
        if same >= SAME_DECISIONS and gain < SMALL_CAPTURE * room:
            return (
                f"no better than {option.name}: it decides as that policy does for {same:.0%} "
                f"of rows and earns {money(gain)} per 1,000 decisions more, "
                f"{max(gain, 0) / room:.0%} of what perfect decisions would add over it"
            )
    return None


def _pick(values: np.ndarray, allowed: np.ndarray) -> int:
    """The best allowed candidate; among equal neighbours the middle one, away from the edge."""
    best = values[allowed].max()
    tied = allowed & (values >= best - _TIE)
    first = int(np.argmax(tied))
    last = first
    while last + 1 < len(tied) and tied[last + 1]:
        last += 1
    return (first + last) // 2
