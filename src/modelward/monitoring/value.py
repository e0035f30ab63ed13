"""The business outcome of live decisions, once labels arrive: value against the expectation.

Each labelled decision is priced by the spec's value model (acted on a positive: a true
positive, ...). What the decisions realized beyond the evaluation's policy without a model
(act on everyone, on nobody, or the incumbent rule, on the same requests) is compared with
the gain the evaluation expected, per 1,000 decisions, with a bootstrap interval over the
labelled rows. A gain whose interval lies below 0 is critical (the model loses money against
doing without it); below the expected gain, a warning. A policy the evaluation found
degenerate is never "ok": it is no better than a policy without a model by construction.
Accuracy is judged beside this (see `health.performance`), never instead of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.evaluation.bootstrap import mean_ci
from modelward.evaluation.numbers import money
from modelward.monitoring.frames import label_text
from modelward.monitoring.health import Finding, Severity
from modelward.spec.model import ProjectSpec
from modelward.training.target import Target

KIND = "value"


@dataclass(frozen=True)
class Expected:
    """What the evaluation expected of the served policy (from its report's value section)."""

    gain_per_1000: float
    value_per_1000: float
    reference: str
    acted: str  # the decision that means "acted on", as logged
    degenerate: str | None

    @classmethod
    def of(cls, report: Mapping[str, Any]) -> Expected | None:
        value, policy = report.get("value"), report.get("policy")
        if not isinstance(value, Mapping) or not isinstance(policy, Mapping):
            return None
        decision = value.get("decision")
        if not isinstance(decision, Mapping) or value.get("gain_per_1000") is None:
            return None
        return cls(
            gain_per_1000=float(value["gain_per_1000"]),
            value_per_1000=float(value["model"]["value_per_1000"]),
            reference=str(decision.get("reference", "act on everyone")),
            acted=label_text(policy.get("act")),
            degenerate=decision.get("degenerate") or None,
        )


def value_finding(
    decided: pl.DataFrame,
    spec: ProjectSpec,
    target: Target,
    expected: Expected | None,
    *,
    min_rows: int,
) -> Finding | None:
    """The realized value of the labelled decisions against the evaluation's expectation;
    None when the decisions are not priced (no binary value model)."""
    vm = spec.value
    if vm is None or not vm.is_outcomes or target.n_classes != 2:
        return None
    if expected is None:
        why = "value not judged: the served model's evaluation chose no priced policy"
        return Finding(KIND, "value per 1,000 decisions", Severity.NOT_JUDGED, None, None, why)
    known = decided.filter(pl.col("decision").is_not_null())
    n = known.height
    if n < min_rows:
        why = f"value not judged: {n} labelled decisions (at least {min_rows})"
        return Finding(KIND, "value per 1,000 decisions", Severity.NOT_JUDGED, None, None, why)
    positive = known["label"] == label_text(target.positive)
    # Logs from before decisions were answered name the positive label instead of the action.
    acted = known["decision"].is_in([expected.acted, label_text(target.positive)]).to_numpy()
    outcomes = vm.outcome_values()
    mine = _priced(acted, positive.to_numpy(), outcomes)
    theirs = _priced(
        _reference(known, expected.reference, spec, target), positive.to_numpy(), outcomes
    )
    gain = mean_ci(1000 * (mine - theirs), name="gain_per_1000")
    return _judged(
        gain.estimate, gain.low, gain.high, 1000 * float(mine.mean()), n, expected, vm.currency
    )


def _judged(
    estimate: float,
    low: float | None,
    high: float | None,
    realized: float,
    n: int,
    expected: Expected,
    currency: str,
) -> Finding:
    interval = "" if low is None or high is None else f" (95% CI {money(low)} to {money(high)})"
    ahead = "more" if estimate >= 0 else "less"
    message = (
        f"decisions realized {money(realized)} {currency} per 1,000 on {n:,} labelled "
        f"requests: {money(abs(estimate))} {ahead} than {expected.reference} would have"
        f"{interval}, against {money(expected.gain_per_1000)} more expected"
    )
    severity = Severity.OK
    if high is not None and high < 0:
        severity = Severity.CRITICAL
        message += f"; the model loses money against {expected.reference}"
    elif high is not None and high < expected.gain_per_1000:
        severity = Severity.WARNING
        message += "; below what the evaluation expected"
    if expected.degenerate:
        severity = max(severity, Severity.WARNING, key=_RANK.index)
        message += f"; the approved policy is {expected.degenerate}"
    return Finding(
        KIND, "value per 1,000 decisions", severity, estimate, expected.gain_per_1000, message
    )


_RANK = [Severity.OK, Severity.WARNING, Severity.CRITICAL]


def _reference(rows: pl.DataFrame, name: str, spec: ProjectSpec, target: Target) -> np.ndarray:
    """Which rows the evaluation's policy without a model acts on."""
    if name == "act on nobody":
        return np.zeros(rows.height, dtype=bool)
    if name == "the incumbent rule" and spec.incumbent is not None:
        positive = str(target.positive)
        decide = spec.incumbent.decide
        return np.array([str(decide(json.loads(text))) == positive for text in rows["inputs"]])
    return np.ones(rows.height, dtype=bool)


def _priced(acted: np.ndarray, positive: np.ndarray, outcomes: tuple[float, ...]) -> np.ndarray:
    tp, fp, fn, tn = outcomes
    return np.where(acted, np.where(positive, tp, fp), np.where(positive, fn, tn))
