"""Business value: what the model's decisions are worth in money, against doing without it.

Binary: the value model prices each outcome (true/false positive/negative); a policy's value is
the mean over the out-of-fold rows, per 1,000 decisions. The model (at its threshold) is set
against the best baseline (each at its own best threshold) and against the better of the two
policies that need no model: act on nobody, act on everyone. Regression: the cost per 1,000
predictions is 1,000 x cost per unit of error x MAE, set against predicting the mean.
ROI spreads the gain over the volume and horizon of the value model and sets it against the
training cost. Every assumption is listed as a sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from modelward.errors import InputError
from modelward.evaluation.numbers import json_float, money
from modelward.evaluation.threshold import (
    ThresholdSearch,
    best_threshold,
    value_per_decision,
)
from modelward.spec.model import Task, ValueModel
from modelward.training.evidence import Evidence


@dataclass(frozen=True)
class Policy:
    """One way of deciding and its money per 1,000 decisions (negative: a cost)."""

    name: str
    value_per_1000: float
    threshold: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value_per_1000": json_float(self.value_per_1000, 2),
            "threshold": json_float(self.threshold),
        }


@dataclass(frozen=True)
class Value:
    """The model's business value, its gain over the no-model reference, and ROI."""

    task: Task
    currency: str
    model: Policy
    reference: Policy
    best_baseline: Policy | None
    policies: tuple[Policy, ...]
    decisions_per_year: float
    horizon_years: float
    training_cost: float | None
    roi: float | None
    search: ThresholdSearch | None
    assumptions: tuple[str, ...]
    summary: str

    @property
    def gain_per_1000(self) -> float:
        return self.model.value_per_1000 - self.reference.value_per_1000

    @property
    def value_over_horizon(self) -> float:
        """The gain over the reference, over every decision of the horizon."""
        return self.gain_per_1000 / 1000 * self.decisions_per_year * self.horizon_years

    def facts(self) -> dict[str, float]:
        facts = {
            "value_per_1000": self.model.value_per_1000,
            "value_gain_per_1000": self.gain_per_1000,
        }
        if self.roi is not None:
            facts["roi"] = self.roi
        if self.search is not None:
            facts["best_threshold"] = self.search.threshold
        return facts

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task.value,
            "currency": self.currency,
            "summary": self.summary,
            "model": self.model.to_json(),
            "reference": self.reference.to_json(),
            "best_baseline": None if self.best_baseline is None else self.best_baseline.to_json(),
            "policies": [p.to_json() for p in self.policies],
            "gain_per_1000": json_float(self.gain_per_1000, 2),
            "decisions_per_year": json_float(self.decisions_per_year, 2),
            "horizon_years": json_float(self.horizon_years),
            "value_over_horizon": json_float(self.value_over_horizon, 2),
            "training_cost": json_float(self.training_cost, 2),
            "roi": json_float(self.roi),
            "best_threshold": None if self.search is None else self.search.to_json(),
            "assumptions": list(self.assumptions),
        }


def business_value(
    evidence: Evidence,
    value_model: ValueModel,
    *,
    threshold: float | None = None,
    training_cost: float | None = None,
) -> Value:
    """The model's value against the baselines and no model, and ROI over the horizon.

    `threshold` (binary) is where the model acts; None: the value-maximizing one.
    `training_cost` is in the value model's currency; None or 0 leaves ROI out, saying why.
    Raises InputError for a value model that does not fit the task or a negative cost.
    """
    task = evidence.target.task
    if task is Task.BINARY:
        priced = _binary(evidence, value_model, threshold)
    elif task is Task.REGRESSION:
        priced = _regression(evidence, value_model)
    else:
        raise InputError.field("value", f"a {task.value} task", "a binary or regression task")
    per_year, volume = _volume(evidence, value_model)
    gain = (priced.model.value_per_1000 - priced.reference.value_per_1000) / 1000
    roi, cost_note = _roi(gain * per_year * value_model.horizon_years, training_cost, value_model)
    rows = f"values measured on {len(evidence.scored):,} out-of-fold rows, taken as typical"
    horizon = f"a horizon of {value_model.horizon_years:g} year(s) (value.horizon_years)"
    value = Value(
        task=task,
        currency=value_model.currency,
        model=priced.model,
        reference=priced.reference,
        best_baseline=max(priced.baselines, key=lambda b: b.value_per_1000, default=None),
        policies=(priced.model, *priced.baselines, priced.reference, *priced.others),
        decisions_per_year=per_year,
        horizon_years=value_model.horizon_years,
        training_cost=training_cost,
        roi=roi,
        search=priced.search,
        assumptions=(rows, *priced.notes, volume, horizon, cost_note),
        summary="",
    )
    return replace(value, summary=_summary(value))


@dataclass(frozen=True)
class _Priced:
    """The policies of one task, before volume and ROI."""

    model: Policy
    reference: Policy
    baselines: tuple[Policy, ...]
    notes: tuple[str, ...]
    others: tuple[Policy, ...] = ()  # the no-model policy not used as reference
    search: ThresholdSearch | None = None


def _binary(evidence: Evidence, value_model: ValueModel, threshold: float | None) -> _Priced:
    rows = evidence.scored
    y, p = evidence.y[rows], evidence.oof[rows, 1]
    search = best_threshold(y, p, value_model)
    chosen = search.threshold if threshold is None else _check_threshold(threshold)
    model = Policy("model", 1000 * value_per_decision(y, p, value_model, chosen), chosen)
    baselines = []
    for name, pred in _baselines(evidence, rows).items():
        # Each baseline at its own best threshold: the strongest rival it can be.
        found = best_threshold(y, pred[rows, 1], value_model)
        baselines.append(Policy(f"baseline {name}", found.value_per_1000, found.threshold))
    nobody = Policy("act on nobody", 1000 * value_per_decision(y, p, value_model, math.inf))
    everyone = Policy("act on everyone", 1000 * value_per_decision(y, p, value_model, -math.inf))
    ranked = sorted((nobody, everyone), key=lambda q: q.value_per_1000, reverse=True)
    how = "chosen to maximize value" if threshold is None else "as given"
    notes = (
        f"the model acts on rows with a probability of at least {chosen:.3f} ({how})",
        f"without a model the better policy is to {ranked[0].name} "
        f"({money(ranked[0].value_per_1000)} per 1,000 decisions vs "
        f"{money(ranked[1].value_per_1000)} to {ranked[1].name}); gains are measured against it",
    )
    return _Priced(model, ranked[0], tuple(baselines), notes, (ranked[1],), search)


def _regression(evidence: Evidence, value_model: ValueModel) -> _Priced:
    unit = value_model.cost_per_unit_error
    if unit is None:
        raise InputError.field("value", "outcome values", "cost_per_unit_error for a regression")
    rows = evidence.scored
    y = evidence.y[rows]

    def priced(name: str, pred: np.ndarray) -> Policy:
        return Policy(name, -1000 * unit * float(np.mean(np.abs(y - pred))))

    model = priced("model", evidence.oof[rows])
    baselines = tuple(
        priced(f"baseline {n}", p[rows]) for n, p in _baselines(evidence, rows).items()
    )
    if "prior" in evidence.baselines:
        reference = priced("predicting the mean", evidence.baselines["prior"][rows])
        note = "no model means predicting the training mean (the prior baseline, out of fold)"
    else:
        reference = priced("predicting the mean", np.full(len(y), float(np.mean(y))))
        note = "no model means predicting the mean of all rows (no prior baseline recorded)"
    cost = f"an error of one unit costs {money(unit)} {value_model.currency}; cost = that x MAE"
    return _Priced(model, reference, baselines, (cost, note))


def _baselines(evidence: Evidence, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The baselines with a prediction on every scored row; others cannot be compared fairly."""
    return {n: p for n, p in evidence.baselines.items() if not np.isnan(p[rows]).any()}


def _volume(evidence: Evidence, value_model: ValueModel) -> tuple[float, str]:
    if value_model.decisions_per_year is not None:
        per_year = value_model.decisions_per_year
        return per_year, f"{per_year:,.0f} decisions a year (value.decisions_per_year)"
    per_year = float(evidence.n_rows)
    return per_year, f"assumed {per_year:,.0f} decisions a year: set value.decisions_per_year"


def _roi(
    over: float, training_cost: float | None, value_model: ValueModel
) -> tuple[float | None, str]:
    currency = value_model.currency
    if training_cost is None:
        return None, "ROI not computed: the training cost is unknown"
    if not math.isfinite(training_cost) or training_cost < 0:
        raise InputError.field("training_cost", training_cost, f"an amount in {currency} >= 0")
    if training_cost == 0:
        return None, "ROI not computed: the training cost is 0, so any return is unbounded"
    sentence = f"a training cost of {money(training_cost)} {currency}"
    return (over - training_cost) / training_cost, sentence


def _summary(value: Value) -> str:
    model, cur = value.model, value.currency
    ahead = "more" if value.gain_per_1000 >= 0 else "less"
    if value.task is Task.REGRESSION:
        head = f"the model's errors cost {money(-model.value_per_1000)} {cur} per 1,000 predictions"
        ahead = "less" if value.gain_per_1000 >= 0 else "more"
    else:
        at = f" at threshold {model.threshold:.3f}" if model.threshold is not None else ""
        head = f"the model{at} is worth {money(model.value_per_1000)} {cur} per 1,000 decisions"
    text = f"{head}, {money(abs(value.gain_per_1000))} {ahead} than without a model"
    text += f" ({value.reference.name})"
    if value.best_baseline is not None:
        edge = model.value_per_1000 - value.best_baseline.value_per_1000
        sign = "+" if edge >= 0 else ""
        text += f", {sign}{money(edge)} vs the best baseline ({value.best_baseline.name[9:]})"
    over = value.value_over_horizon
    text += f"; {money(abs(over))} {cur} {'gained' if over >= 0 else 'lost'}"
    text += f" over {value.horizon_years:g} year(s)"
    if value.roi is not None:
        text += f", an ROI of {value.roi:,.1f} on the training cost"
    return text


def _check_threshold(threshold: float) -> float:
    if not 0.0 <= threshold <= 1.0:
        raise InputError.field("threshold", threshold, "a probability between 0 and 1")
    return float(threshold)
