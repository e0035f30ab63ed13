"""The decision policy, chosen openly: by value, within the spec's fairness bounds.

On the out-of-fold rows, every way of deciding is priced by the value model and shown side by
side: the model's best threshold, its best threshold within the fairness bounds, per-group
thresholds (only where the spec lets the sensitive attributes be read at decision time), and
the policies that need no model (act on everyone, on nobody, the spec's incumbent rule). The
chosen policy is the most valuable model policy within the bounds; what the bounds cost is the
unbounded best's value minus the chosen one's. Each baseline is held to the same bounds and
priced at its own best policy, so "better than a simple rule" compares like with like.

A chosen policy that is close to a no-model policy is degenerate and said so: when it earns
under `NEGLIGIBLE_CAPTURE` of what perfect decisions would add over the best no-model policy,
or when it decides as a no-model policy does on at least `SAME_DECISIONS` of the rows while
earning under `SMALL_CAPTURE` of what perfect decisions would add over that policy.
Thresholds are tuned on the same rows they are judged on, for the model and the baselines
alike; the value of a policy on new rows is somewhat lower.
"""

from __future__ import annotations

import dataclasses
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
from modelward.spec.model import FAIRNESS_BOUNDED, IncumbentRule, ProjectSpec
from modelward.spec.value import ValueModel
from modelward.training.groups import group_labels
from modelward.training.predictor import DecisionRule
from modelward.training.target import Target

NEGLIGIBLE_CAPTURE = 0.05
SMALL_CAPTURE = 0.25
SAME_DECISIONS = 0.85
_TIE = 1e-9  # money this close is the same (float sums of many rows)
NOBODY = math.nextafter(1.0, 2.0)  # a threshold no probability reaches
_STEP = float(RATES[1] - RATES[0])
Kind = Literal["model", "no_model", "baseline"]


@dataclass(frozen=True)
class Option:
    """One way of deciding on the judged rows, and what it earns per 1,000 decisions.

    `acted` holds the row decisions (kept out of the JSON); `gaps` the fairness differences of
    those decisions over the intersection of the sensitive attributes.
    """

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
            "name": self.name,
            "kind": self.kind,
            "value_per_1000": json_float(self.value_per_1000, 2),
            "acted_share": json_float(self.acted_share),
            "threshold": json_float(self.threshold),
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
    outcomes: Outcomes
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
        return max(0.0, self.unbounded.value_per_1000 - self.chosen.value_per_1000)

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
            facts["best_threshold"] = self.chosen.threshold
        if self.break_even is not None:
            facts["break_even"] = self.break_even
        return facts

    def to_json(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen.name,
            "unbounded": self.unbounded.name,
            "reference": self.reference.name,
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
    """The rows a policy is judged on: labels, the positive class's probability, the groups
    of the intersection of `columns` (None without sensitive attributes), and the raw rows."""

    y: np.ndarray
    p: np.ndarray
    groups: Groups | None
    columns: tuple[str, ...] = ()
    records: Sequence[Mapping[str, Any]] = ()

    @classmethod
    def of(
        cls, frame: pl.DataFrame, y: np.ndarray, p: np.ndarray, sensitive: Sequence[str] = ()
    ) -> Judged:
        """The judged rows of `frame`, grouped by the intersection of `sensitive` (if any)."""
        columns = tuple(c for c in sensitive if c in frame.columns)
        groups = Groups.of(group_labels(frame, columns)) if columns else None
        return cls(y, p, groups, columns, frame.to_dicts())

    def scoring(self, p: np.ndarray) -> Judged:
        """The same rows judged on another model's probabilities."""
        return Judged(self.y, p, self.groups, self.columns, self.records)


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
    apply only where the rows are grouped (`judged.groups`).
    """
    limits = constraints or Constraints()
    outcomes = value_model.outcome_values()
    bounds = limits.bounds if judged.groups is not None else {}
    allow_groups = limits.group_thresholds
    model = _model_options(judged, outcomes, bounds, allow_groups=allow_groups)
    if rule is not None:
        model = [*model, _rule_option(judged, outcomes, bounds, rule)]
    fixed = _no_model_options(judged, outcomes, bounds, limits.incumbent, target)
    reference = max(fixed, key=lambda o: o.value_per_1000)
    unbounded = model[0]
    chosen = model[-1] if rule is not None else _best(model)
    perfect = 1000 * float(np.mean(row_values(judged.y, judged.y == 1, outcomes)))
    rivals = {
        name: _best(_model_options(judged.scoring(p), outcomes, bounds, allow_groups))
        for name, p in (baselines or {}).items()
    }
    named = [_renamed(o, f"baseline {name}", "baseline") for name, o in rivals.items()]
    return PolicyChoice(
        chosen=chosen,
        unbounded=unbounded,
        reference=reference,
        options=(*model, *fixed),
        baselines=tuple(named),
        bounds=bounds,
        outcomes=outcomes,
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
    gaps = {} if judged.groups is None else gaps_at(y, p, judged.groups, cuts)
    allowed = within(gaps, bounds, len(cuts))
    free = _pick(values, np.ones(len(cuts), dtype=bool))
    found = [_threshold_option("best threshold", judged, cuts, free, values, gaps, allowed)]
    if not bounds:
        return found
    best = _pick(values, allowed)
    if best != free:  # the best threshold may already keep within the bounds
        name = "best threshold within the bounds"
        found.append(_threshold_option(name, judged, cuts, best, values, gaps, allowed))
    if allow_groups and judged.groups is not None:
        grouped = _group_option(judged, outcomes, bounds)
        if grouped is not None:
            found.append(grouped)
    return found


def _threshold_option(
    name: str,
    judged: Judged,
    cuts: np.ndarray,
    i: int,
    values: np.ndarray,
    gaps: Mapping[str, np.ndarray],
    allowed: np.ndarray,
) -> Option:
    cut = float(cuts[i])
    acted = judged.p >= cut
    return Option(
        name=name,
        kind="model",
        value_per_1000=1000 * float(values[i]),
        acted_share=float(acted.mean()),
        gaps={k: float(v[i]) for k, v in gaps.items()},
        within_bounds=bool(allowed[i]),
        acted=acted,
        threshold=cut if np.isfinite(cut) else NOBODY,
    )


def _group_option(judged: Judged, outcomes: Outcomes, bounds: Mapping[str, float]) -> Option | None:
    """Per-group thresholds at the most valuable rates the bound allows.

    The bounded rate (selection rate for demographic parity, else the true positive rate) of
    every judged group stays within one window [r, r + bound]: for each base rate r, each group
    takes its most valuable rate in the window (money adds up over groups), smaller groups the
    threshold of all rows at r. The decisions' actual gaps are checked against every bound.
    """
    groups = judged.groups
    assert groups is not None
    equalized = next(m for m in FAIRNESS_BOUNDED if m in bounds)
    by_tpr = equalized != "demographic_parity_difference"
    width = math.floor(min(bounds[equalized], 1.0) / _STEP + 1e-9)
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
        gaps = gaps_of(judged.y, acted, groups)
        if any(gaps[m] > b + 1e-9 for m, b in bounds.items()):
            continue
        value = 1000 * float(np.mean(row_values(judged.y, acted, outcomes)))
        if best is None or value > best.value_per_1000 + _TIE:
            named = {groups.names[g]: c for g, c in mine.items()}
            rule = DecisionRule(judged.columns, named, float(default[base]))
            share = float(acted.mean())
            best = Option(
                "per-group thresholds", "model", value, share, gaps, True, acted, rule.default, rule
            )
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
    cuts = rule.record_cuts(judged.records)
    acted = judged.p >= cuts
    gaps = {} if judged.groups is None else gaps_of(judged.y, acted, judged.groups)
    ok = all(gaps.get(m, 0.0) <= b + 1e-9 for m, b in bounds.items())
    value = 1000 * float(np.mean(row_values(judged.y, acted, outcomes)))
    share = float(acted.mean())
    name = "the model's per-group thresholds"
    return Option(name, "model", value, share, gaps, ok, acted, rule.default, rule)


def _no_model_options(
    judged: Judged,
    outcomes: Outcomes,
    bounds: Mapping[str, float],
    incumbent: IncumbentRule | None,
    target: Target,
) -> list[Option]:
    n = len(judged.y)
    found = [
        ("act on everyone", np.ones(n, dtype=bool)),
        ("act on nobody", np.zeros(n, dtype=bool)),
    ]
    if incumbent is not None and judged.records:
        positive = str(target.positive)
        acted = np.array([str(incumbent.decide(row)) == positive for row in judged.records])
        found.append(("the incumbent rule", acted))
    options = []
    for name, acted in found:
        gaps = {} if judged.groups is None else gaps_of(judged.y, acted, judged.groups)
        ok = all(gaps.get(m, 0.0) <= b + 1e-9 for m, b in bounds.items())
        value = 1000 * float(np.mean(row_values(judged.y, acted, outcomes)))
        options.append(Option(name, "no_model", value, float(acted.mean()), gaps, ok, acted))
    return options


def _best(options: Sequence[Option]) -> Option:
    """The most valuable option within the bounds (the first one when none is)."""
    allowed = [o for o in options if o.within_bounds]
    return max(allowed, key=lambda o: o.value_per_1000) if allowed else options[0]


def _renamed(option: Option, name: str, kind: Kind) -> Option:
    return dataclasses.replace(option, name=name, kind=kind)


def _degenerate(
    chosen: Option, fixed: Sequence[Option], reference: Option, perfect: float
) -> str | None:
    room = perfect - reference.value_per_1000
    gain = chosen.value_per_1000 - reference.value_per_1000
    if room > _TIE and gain < NEGLIGIBLE_CAPTURE * room:
        return (
            f"no better than the policy without a model ({reference.name}): it earns "
            f"{money(gain)} per 1,000 decisions more, {max(gain, 0) / room:.0%} of what perfect "
            "decisions would add"
        )
    for option in fixed:
        same = float(np.mean(chosen.acted == option.acted))
        room = perfect - option.value_per_1000
        gain = chosen.value_per_1000 - option.value_per_1000
        if same >= SAME_DECISIONS and room > _TIE and gain < SMALL_CAPTURE * room:
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
