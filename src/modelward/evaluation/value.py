"""Business value: what the model's decisions are worth in money, against doing without it.

Binary: the value model prices each outcome (true/false positive/negative); a policy's value is
the mean over the out-of-fold rows, per 1,000 decisions. The chosen policy (see `policies`:
by value, within the fairness bounds) is set against the better policy that needs no model
(act on everyone, on nobody, the incumbent rule) and against the best baseline held to the
same bounds, with a paired bootstrap interval of the difference. Regression: the cost per
1,000 predictions is 1,000 x cost per unit of error x MAE, set against predicting the mean.

Value over the horizon is the gain over the no-model policy (incremental value) times the
volume; ROI sets it against the total cost over the horizon (compute, storage, serving and
people's time; `modelward.model.returns`). Every assumption is listed as a sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from modelward.errors import InputError
from modelward.evaluation.bootstrap import Interval, mean_ci
from modelward.evaluation.numbers import json_float, json_sig, money
from modelward.evaluation.policies import Judged, Option, PolicyChoice, choose_policy
from modelward.evaluation.policy_grid import row_values
from modelward.model import Returns, compute_returns, where_acting
from modelward.spec import Task, ValueModel
from modelward.training import Evidence


@dataclass(frozen=True)
class Policy:
    """One way of deciding and its money per 1,000 decisions (negative: a cost)."""

    name: str
    value_per_1000: float
    threshold: float | None = None
    acted_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value_per_1000": json_float(self.value_per_1000, 2),
            "threshold": json_float(self.threshold),
            "acted_share": json_float(self.acted_share),
        }


@dataclass(frozen=True)
class Costs:
    """What the model costs over the value model's horizon, in the price table's currency."""

    currency: str
    parts: Mapping[str, float] = field(default_factory=dict)  # training, serving, people: ...
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return float(sum(self.parts.values()))

    def to_json(self) -> dict[str, Any]:
        parts = {k: json_sig(v, 4) for k, v in self.parts.items()}
        return {"currency": self.currency, "parts": parts, "total": json_float(self.total, 2)}


@dataclass(frozen=True)
class Value:
    """The model's business value, its gain over the no-model reference, and its returns."""

    task: Task
    currency: str
    model: Policy
    reference: Policy
    best_baseline: Policy | None
    baseline_gain: Interval | None  # model minus best baseline, per 1,000 decisions
    policies: tuple[Policy, ...]
    decisions_per_year: float
    horizon_years: float
    costs: Costs | None
    returns: Returns
    choice: PolicyChoice | None
    assumptions: tuple[str, ...]
    summary: str

    @property
    def gain_per_1000(self) -> float:
        return self.model.value_per_1000 - self.reference.value_per_1000

    @property
    def value_per_year(self) -> float:
        """The gain over the no-model reference over a year's decisions."""
        return self.gain_per_1000 / 1000 * self.decisions_per_year

    @property
    def value_over_horizon(self) -> float:
        return self.value_per_year * self.horizon_years

    @property
    def roi(self) -> float | None:
        return self.returns.roi

    @property
    def beats_baseline(self) -> bool | None:
        """Whether the gain over the best baseline's interval lies above 0; None without one."""
        gain = self.baseline_gain
        if gain is None or gain.low is None:
            return None
        return gain.low > 0

    def facts(self) -> dict[str, float]:
        facts = {
            "value_per_1000": self.model.value_per_1000,
            "value_gain_per_1000": self.gain_per_1000,
            "value_per_year": self.value_per_year,
        }
        if self.roi is not None:
            facts["roi"] = self.roi
        if self.beats_baseline is not None and self.baseline_gain is not None:
            facts["beats_baseline_value"] = 1.0 if self.beats_baseline else 0.0
            facts["baseline_value_gain_per_1000"] = self.baseline_gain.estimate
        if self.choice is not None:
            facts.update(self.choice.facts())
        return facts

    def to_json(self) -> dict[str, Any]:
        gain = self.baseline_gain
        return {
            "task": self.task.value,
            "currency": self.currency,
            "summary": self.summary,
            "model": self.model.to_json(),
            "reference": self.reference.to_json(),
            "best_baseline": None if self.best_baseline is None else self.best_baseline.to_json(),
            "baseline_gain": None if gain is None else _per_1000_json(gain),
            "beats_baseline": self.beats_baseline,
            "baseline_verdict": "; ".join(_baseline_clause(self)) or None,
            "policies": [p.to_json() for p in self.policies],
            "gain_per_1000": json_float(self.gain_per_1000, 2),
            "decisions_per_year": json_float(self.decisions_per_year, 2),
            "horizon_years": json_float(self.horizon_years),
            "value_per_year": json_float(self.value_per_year, 2),
            "value_over_horizon": json_float(self.value_over_horizon, 2),
            "costs": None if self.costs is None else self.costs.to_json(),
            "returns": self.returns.to_json(),
            "roi": json_float(self.roi),
            "decision": None if self.choice is None else self.choice.to_json(),
            "assumptions": list(self.assumptions),
        }


def business_value(
    evidence: Evidence,
    value_model: ValueModel,
    *,
    choice: PolicyChoice | None = None,
    costs: Costs | None = None,
    warnings: Sequence[str] = (),
) -> Value:
    """The model's value against no model and the baselines, and its returns over the horizon.

    `choice` (binary) is the evaluated policy choice; None: the most valuable threshold with no
    bound. `costs` are the model's costs over the horizon; None leaves ROI out, saying why.
    `warnings` (the spec's, e.g. a value model counting an outcome twice) lead the assumptions.
    Raises InputError for a value model that does not fit the task.
    """
    task = evidence.target.task
    if task is Task.BINARY:
        priced = _binary(evidence, value_model, choice)
    elif task is Task.REGRESSION:
        priced = _regression(evidence, value_model)
    else:
        raise InputError.field("value", f"a {task.value} task", "a binary or regression task")
    per_year, volume = _volume(evidence, value_model)
    gain = (priced.model.value_per_1000 - priced.reference.value_per_1000) / 1000 * per_year
    over = gain * value_model.horizon_years
    result = _returns(over, gain, costs, value_model)
    rows = f"values measured on {len(evidence.scored):,} out-of-fold rows, taken as typical"
    horizon = f"a horizon of {value_model.horizon_years:g} year(s) (value.horizon_years)"
    value = Value(
        task=task,
        currency=value_model.currency,
        model=priced.model,
        reference=priced.reference,
        best_baseline=priced.best_baseline,
        baseline_gain=priced.baseline_gain,
        policies=priced.policies,
        decisions_per_year=per_year,
        horizon_years=value_model.horizon_years,
        costs=costs,
        returns=result,
        choice=priced.choice,
        assumptions=(
            *(f"warning: {w}" for w in warnings),
            rows,
            *priced.notes,
            volume,
            horizon,
            *_cost_notes(costs),
        ),
        summary="",
    )
    return replace(value, summary=_summary(value))


@dataclass(frozen=True)
class _Priced:
    """The policies of one task, before volume and returns."""

    model: Policy
    reference: Policy
    policies: tuple[Policy, ...]
    best_baseline: Policy | None
    baseline_gain: Interval | None
    notes: tuple[str, ...]
    choice: PolicyChoice | None = None


def _binary(evidence: Evidence, value_model: ValueModel, choice: PolicyChoice | None) -> _Priced:
    if not value_model.is_outcomes:
        raise InputError.field(
            "value", "cost_per_unit_error only", "the economics or the four outcome values"
        )
    rows = evidence.shared
    y = evidence.y[rows]
    if choice is None:
        judged = Judged(y, evidence.oof[rows, 1], None)
        baselines = {n: p[rows, 1] for n, p in evidence.baselines.items()}
        choice = choose_policy(judged, value_model, evidence.target, baselines=baselines)
    outcomes = value_model.outcome_values()
    chosen = choice.chosen
    model = dataclasses.replace(_policy(chosen), name="model")
    reference = _policy(choice.reference)
    rivals = sorted(choice.baselines, key=lambda o: o.value_per_1000, reverse=True)
    best, gain = None, None
    if rivals:
        best = _policy(rivals[0])
        mine = row_values(y, chosen.acted, outcomes)
        theirs = row_values(y, rivals[0].acted, outcomes)
        gain = mean_ci(1000 * (mine - theirs), name="value_per_1000")
    policies = tuple(_policy(o) for o in (*choice.options, *rivals))
    return _Priced(model, reference, policies, best, gain, _binary_notes(choice), choice)


def _binary_notes(choice: PolicyChoice) -> tuple[str, ...]:
    chosen = choice.chosen
    where = where_acting(chosen.threshold, grouped=chosen.rule is not None)
    notes = [
        f"the model acts {where} ({chosen.name}), on {chosen.acted_share:.0%} of rows",
        f"without a model the best policy is to {choice.reference.name.removeprefix('the ')} "
        f"({money(choice.reference.value_per_1000)} per 1,000 decisions); gains are measured "
        "against it",
        "thresholds are tuned on the rows they are judged on, for the model and the baselines "
        "alike; expect somewhat less on new rows",
    ]
    if choice.break_even is not None:
        notes.insert(1, f"acting pays from a probability of {choice.break_even:.3f} (break-even)")
    return tuple(notes)


def _policy(option: Option) -> Policy:
    threshold = option.threshold if option.rule is None else None
    return Policy(option.name, option.value_per_1000, threshold, option.acted_share)


def _regression(evidence: Evidence, value_model: ValueModel) -> _Priced:
    unit = value_model.cost_per_unit_error
    if unit is None:
        raise InputError.field("value", "outcome values", "cost_per_unit_error for a regression")
    rows = evidence.shared
    y = evidence.y[rows]

    def costs(pred: np.ndarray) -> np.ndarray:
        return np.asarray(-1000 * unit * np.abs(y - pred), dtype=np.float64)

    model = Policy("model", float(np.mean(costs(evidence.oof[rows]))))
    rivals = {f"baseline {n}": costs(p[rows]) for n, p in evidence.baselines.items()}
    baselines = tuple(Policy(n, float(np.mean(v))) for n, v in rivals.items())
    if "prior" in evidence.baselines:
        pred = evidence.baselines["prior"][rows]
        note = "no model means predicting the training mean (the prior baseline, out of fold)"
    else:
        pred = np.full(len(y), float(np.mean(y)))
        note = "no model means predicting the mean of all rows (no prior baseline recorded)"
    reference = Policy("predicting the mean", float(np.mean(costs(pred))))
    best, gain = None, None
    if baselines:
        best = max(baselines, key=lambda b: b.value_per_1000)
        gain = mean_ci(costs(evidence.oof[rows]) - rivals[best.name], name="value_per_1000")
    cost = f"an error of one unit costs {money(unit)} {value_model.currency}; cost = that x MAE"
    return _Priced(model, reference, (model, *baselines, reference), best, gain, (cost, note))


def _volume(evidence: Evidence, value_model: ValueModel) -> tuple[float, str]:
    if value_model.decisions_per_year is not None:
        per_year = value_model.decisions_per_year
        return per_year, f"{per_year:,.0f} decisions a year (value.decisions_per_year)"
    per_year = float(evidence.n_rows)
    return per_year, f"assumed {per_year:,.0f} decisions a year: set value.decisions_per_year"


def _returns(over: float, per_year: float, costs: Costs | None, value_model: ValueModel) -> Returns:
    currency = value_model.currency
    if costs is None:
        return compute_returns(None, 0.0, currency=currency, why_no_value="the costs are unknown")
    if costs.currency != currency:
        why = f"value in {currency}, costs in {costs.currency}: put both in one currency"
        return compute_returns(None, costs.total, currency=currency, why_no_value=why)
    return compute_returns(over, costs.total, currency=currency, per_year=per_year)


def _cost_notes(costs: Costs | None) -> tuple[str, ...]:
    if costs is None:
        return ("ROI not computed: the costs are unknown",)
    shown = ", ".join(f"{k} {money(v)}" for k, v in costs.parts.items())
    total = f"total cost over the horizon {money(costs.total)} {costs.currency} ({shown})"
    return (total, *costs.notes)


def _per_1000_json(gain: Interval) -> dict[str, Any]:
    return {
        "estimate": json_float(gain.estimate, 2),
        "low": json_float(gain.low, 2),
        "high": json_float(gain.high, 2),
        "level": gain.level,
    }


def _summary(value: Value) -> str:
    """What the money says, in the order a manager asks: what it does, what it earns."""
    cur = value.currency
    if value.task is Task.REGRESSION:
        head = (
            f"the model's errors cost {money(-value.model.value_per_1000)} {cur} per 1,000 "
            f"predictions, {money(abs(value.gain_per_1000))} "
            f"{'less' if value.gain_per_1000 >= 0 else 'more'} than {value.reference.name}"
        )
    else:
        head = _binary_head(value)
    parts = [head, *_baseline_clause(value)]
    choice = value.choice
    if choice is not None and choice.bounds:
        cost = choice.fairness_cost_per_1000
        yearly = cost / 1000 * value.decisions_per_year
        parts.append(
            f"the fairness bounds cost {money(yearly)} {cur} a year ({money(cost)} per 1,000 "
            "decisions)"
            if cost > 0
            else "the fairness bounds cost nothing"
        )
    yearly = value.value_per_year
    # The returns sentence states the value over the horizon: a one-year horizon says it all.
    said = value.returns.roi is not None and value.horizon_years == 1
    if not said:
        parts.append(f"{money(abs(yearly))} {cur} a year {'gained' if yearly >= 0 else 'lost'}")
    if value.returns.roi is not None:
        parts.append(value.returns.sentence)
    return "; ".join(parts)


def _binary_head(value: Value) -> str:
    choice, cur = value.choice, value.currency
    assert choice is not None
    if choice.degenerate:
        return f"the decision policy is {choice.degenerate}"
    share = value.model.acted_share or 0.0
    ahead = "more" if value.gain_per_1000 >= 0 else "less"
    return (
        f"the model acts on {share:.0%} of cases and earns {money(value.model.value_per_1000)} "
        f"{cur} per 1,000 decisions: {money(abs(value.gain_per_1000))} {ahead} than the best "
        f"policy without a model ({choice.reference.name.removeprefix('the ')})"
    )


def _baseline_clause(value: Value) -> list[str]:
    best, gain = value.best_baseline, value.baseline_gain
    if best is None or gain is None or gain.low is None or gain.high is None:
        return []
    name = best.name.removeprefix("baseline ")
    ci = f"{round(gain.level * 100)}% CI {_signed(gain.low)} to {_signed(gain.high)}"
    edge = f"{_signed(gain.estimate)} {value.currency} per 1,000 decisions, {ci}"
    if gain.low > 0:
        return [f"better than the best simple baseline ({name}: {edge})"]
    if gain.high < 0:
        return [f"worse than the simple baseline {name} ({edge}): consider using it instead"]
    return [f"about as good as the simple baseline {name} ({edge})"]


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "−") + money(abs(x))
