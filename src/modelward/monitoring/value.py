"""The business outcome of live decisions, once labels arrive: value against the expectation.

Each labelled decision is priced by the spec's value model (acted on a positive: a true
positive, ...). What the decisions realized beyond the evaluation's policy without a model
(act on everyone, on nobody, or the incumbent rule, decided on the same requests) is compared
with the gain the evaluation expected, per 1,000 decisions, with a bootstrap interval over the
labelled rows. A gain whose interval lies below 0 is critical (the model loses money against
doing without it); below the expected gain, a warning. A policy the evaluation found
degenerate is never "ok": it is no better than a policy without a model by construction.
Accuracy is judged beside this (see `health.performance`), never instead of it.
"""

from __future__ import annotations

import dataclasses
import json

import polars as pl

from modelward.evaluation import Interval, mean_ci, money, row_values
from modelward.model import reference_acts
from modelward.monitoring.estimate import Calibrator, Estimate, value_estimate
from modelward.monitoring.expected import Expected
from modelward.monitoring.frames import label_text
from modelward.monitoring.health import Finding, Severity
from modelward.spec import ProjectSpec
from modelward.training import Target

KIND = "value"
SUBJECT = "value per 1,000 decisions"


def value_finding(
    decided: pl.DataFrame,
    spec: ProjectSpec,
    target: Target,
    expected: Expected | None,
    *,
    min_rows: int,
    calibrator: Calibrator | None = None,
) -> Finding | None:
    """The realized value of the labelled decisions against the evaluation's expectation,
    beside what was estimated for the same rows before their labels (with a `calibrator`);
    None when the decisions are not priced (no binary value model)."""
    vm = spec.value
    if vm is None or not vm.is_outcomes or target.n_classes != 2:
        return None
    if expected is None:
        why = "value not judged: the served model's evaluation chose no priced policy"
        return Finding(KIND, SUBJECT, Severity.NOT_JUDGED, None, None, why)
    classes = [label_text(c) for c in target.classes]
    known = decided.filter(pl.col("decision").is_not_null() & pl.col("label").is_in(classes))
    if known.height < min_rows:
        return _unjudged(known.height, min_rows, expected)
    positive = (known["label"] == label_text(target.positive)).to_numpy()
    # Logs from before decisions were answered name the positive label instead of the action.
    acted = known["decision"].is_in([expected.acted, label_text(target.positive)]).to_numpy()
    inputs = [json.loads(text) for text in known["inputs"]]
    reference = reference_acts(
        expected.reference, known.height, rows=inputs, rule=spec.incumbent, positive=target.positive
    )
    outcomes = vm.outcome_values()
    mine = row_values(positive.astype(int), acted, outcomes)
    theirs = row_values(positive.astype(int), reference, outcomes)
    gain = mean_ci(1000 * (mine - theirs), name="gain_per_1000")
    estimated = None
    if calibrator is not None and "score" in known.columns and known["score"].null_count() == 0:
        scores = known["score"].to_numpy()
        estimated = value_estimate(scores, acted, reference, calibrator, outcomes)
    found = _judged(gain, 1000 * float(mine.mean()), known.height, expected, vm.currency)
    return found if estimated is None else _beside(found, estimated)


def _beside(found: Finding, estimated: Estimate) -> Finding:
    """The realized gain with what was estimated for the same rows before their labels."""
    inside = estimated.low <= (found.value or 0.0) <= estimated.high
    said = (
        f"; estimated before the labels: {money(estimated.mean)} more "
        f"(95% interval {money(estimated.low)} to {money(estimated.high)}; realized "
        f"{'inside' if inside else 'outside'} it)"
    )
    return dataclasses.replace(found, message=found.message + said)


def _unjudged(n: int, min_rows: int, expected: Expected) -> Finding:
    why = f"value not judged: {n} labelled decisions (at least {min_rows})"
    if expected.degenerate:
        # Labels or not, such a policy earns what a policy without a model does.
        why += f"; the approved policy is {expected.degenerate}"
        return Finding(KIND, SUBJECT, Severity.WARNING, None, None, why)
    return Finding(KIND, SUBJECT, Severity.NOT_JUDGED, None, None, why)


def _judged(gain: Interval, realized: float, n: int, expected: Expected, currency: str) -> Finding:
    low, high, estimate = gain.low, gain.high, gain.estimate
    level = f"{round(gain.level * 100)}% CI"
    interval = "" if low is None or high is None else f" ({level} {money(low)} to {money(high)})"
    ahead = "more" if estimate >= 0 else "less"
    message = (
        f"decisions realized {money(realized)} {currency} per 1,000 on {n:,} labelled "
        f"requests (the evaluation expected {money(expected.value_per_1000)}): "
        f"{money(abs(estimate))} {ahead} than {expected.reference_name} would have{interval}, "
        f"against {money(expected.gain_per_1000)} more expected"
    )
    severity = Severity.OK
    if high is not None and high < 0:
        severity = Severity.CRITICAL
        message += f"; the model loses money against {expected.reference_name}"
    elif high is not None and high < expected.gain_per_1000:
        severity = Severity.WARNING
        message += "; below what the evaluation expected"
    if expected.degenerate:
        severity = Severity.CRITICAL if severity is Severity.CRITICAL else Severity.WARNING
        message += f"; the approved policy is {expected.degenerate}"
    return Finding(KIND, SUBJECT, severity, estimate, expected.gain_per_1000, message)
