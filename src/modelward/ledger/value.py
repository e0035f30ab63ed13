"""Value realized: the decisions a model served, judged by the outcomes reported as feedback.

Binary: each logged decision (acted on the positive class or not) against its label is a true
or false positive or negative, priced by the value model; the sum is what the decisions
realized. The better no-model policy (act on nobody, or on everyone) on the same rows is given
beside it, as the evaluation measures gains against it. Regression: every unit of absolute error
costs `cost_per_unit_error`. Other tasks, or a project without a value model, are not priced.
Only decisions whose outcome was reported count: value is what the evidence shows so far.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from modelward.evaluation import row_values
from modelward.ledger.records import Realized, Roi
from modelward.model import EVERYONE, INCUMBENT, NOBODY, compute_returns, reference_acts
from modelward.spec import NO_ACTION, IncumbentRule, ValueModel

# What the business did: the answer's `decision`; logs from before decisions were answered
# carry it as `prediction` (then decided at the evaluated threshold).
DECISION = pl.coalesce(
    pl.col("prediction").str.json_path_match("$.decision"),
    pl.col("prediction").str.json_path_match("$.prediction"),
)


@dataclass(frozen=True)
class Pricing:
    """How one model version's decisions are priced: its task, value model, positive class."""

    task: str
    value_model: ValueModel | None
    positive: object | None = None
    classes: tuple[object, ...] = ()
    action: str | None = None  # the decision that means "acted on", besides the positive label
    reference: str | None = None  # the evaluation's policy without a model (`model.reference`)
    incumbent: IncumbentRule | None = None


def canonical(value: object) -> str:
    """One text per label however it was written: as logged decisions render it (JSON text for
    numbers and booleans, the string itself for strings)."""
    return value if isinstance(value, str) else json.dumps(value)


ERRORS_PRICED = ("regression", "forecast")  # tasks whose errors cost money per unit


def decisions(predictions: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """`model`, `decision` (text), `label` (JSON text) and `inputs` (JSON text) of each served
    row with an outcome.

    Shadow rows are left out (their answers were never returned, so nobody acted on them), and
    refused rows (nothing was decided).
    """
    served = predictions.filter(pl.col("route").is_in(("primary", "canary"))).select(
        "request_id", "model", DECISION.alias("decision"), "inputs"
    )
    joined = served.join(labels.select("request_id", "label"), on="request_id", how="inner")
    found = joined.filter(pl.col("decision").is_not_null())
    return found.select("model", "decision", "label", "inputs")


def realized(rows: pl.DataFrame, pricing: Pricing) -> Realized:
    """What the decisions in `rows` (`decision`, `label`) realized under `pricing`."""
    vm = pricing.value_model
    n = rows.height
    if vm is None:
        why = "not priced: the project's spec has no value model (add `value:` to price decisions)"
        return Realized(None, None, n, why)
    if pricing.task == "binary" and vm.is_outcomes:
        return _binary(rows, vm, pricing)
    if pricing.task in ERRORS_PRICED and vm.cost_per_unit_error is not None:
        return _regression(rows, vm)
    why = (
        f"not priced: value models price binary decisions and regression or forecast errors; "
        f"this is a {pricing.task} model"
    )
    if pricing.task in ("binary", *ERRORS_PRICED):
        why = f"not priced: the value model does not fit a {pricing.task} model"
    return Realized(None, None, n, why)


def _binary(rows: pl.DataFrame, vm: ValueModel, pricing: Pricing) -> Realized:
    positive = _positive(pricing)
    if positive is None:
        why = "not priced: no positive class (set positive_label in the spec)"
        return Realized(None, None, rows.height, why)
    frame = rows.with_columns(_labels(rows["label"]))
    if pricing.classes:
        known = [canonical(c) for c in pricing.classes]
        decided = [*known, *([] if pricing.action is None else [pricing.action, NO_ACTION])]
        frame = frame.filter(pl.col("label").is_in(known) & pl.col("decision").is_in(decided))
    acted = frame["decision"].is_in([positive, pricing.action or positive])
    actual = frame["label"] == positive
    counts = {
        "true_positive": int((acted & actual).sum()),
        "false_positive": int((acted & ~actual).sum()),
        "false_negative": int((~acted & actual).sum()),
        "true_negative": int((~acted & ~actual).sum()),
    }
    tp, fp, fn, tn = vm.outcome_values()
    amount = sum(n * v for n, v in zip(counts.values(), (tp, fp, fn, tn), strict=True))
    without = _without_model(frame, actual.to_numpy(), vm, pricing, positive)
    how = (
        f"{frame.height} decisions with a reported outcome x the value model's outcome values; "
        f"positive class {positive!r}"
    )
    return Realized(
        float(amount),
        vm.currency,
        frame.height,
        how,
        outcomes=counts,
        without_model=float(without),
        skipped=rows.height - frame.height,
    )


def _without_model(
    frame: pl.DataFrame, actual: np.ndarray, vm: ValueModel, pricing: Pricing, positive: str
) -> float:
    """What the evaluation's policy without a model would have realized on the same rows; for
    a model never evaluated by value, the better of acting on everyone or on nobody."""
    outcomes = vm.outcome_values()
    keys = [pricing.reference] if pricing.reference is not None else [EVERYONE, NOBODY]
    rows = []
    if INCUMBENT in keys and pricing.incumbent is not None and "inputs" in frame.columns:
        rows = [json.loads(text) for text in frame["inputs"]]
    rule = pricing.incumbent
    found = [
        reference_acts(key, frame.height, rows=rows, rule=rule, positive=positive) for key in keys
    ]
    return max(float(row_values(actual.astype(int), acts, outcomes).sum()) for acts in found)


def _regression(rows: pl.DataFrame, vm: ValueModel) -> Realized:
    unit = vm.cost_per_unit_error or 0.0
    numbers = rows.select(
        pl.col("decision").cast(pl.Float64, strict=False).alias("decision"),
        pl.col("label").cast(pl.Float64, strict=False).alias("label"),
    ).drop_nulls()
    numbers = numbers.filter(pl.col("decision").is_finite() & pl.col("label").is_finite())
    errors = (numbers["decision"] - numbers["label"]).abs()
    total = float(errors.sum()) if numbers.height else 0.0
    mae = total / numbers.height if numbers.height else None
    mean = numbers["label"].mean() if numbers.height else None
    spread = float((numbers["label"] - mean).abs().sum()) if isinstance(mean, float) else 0.0
    how = (
        f"{numbers.height} predictions with a reported outcome: -{unit:g} per unit of |error|; "
        "without a model: predicting the outcomes' mean"
    )
    return Realized(
        -unit * total,
        vm.currency,
        numbers.height,
        how,
        without_model=-unit * spread,
        mean_abs_error=mae,
        skipped=rows.height - numbers.height,
    )


def _positive(pricing: Pricing) -> str | None:
    if pricing.positive is not None:
        return canonical(pricing.positive)
    # Training orders a binary target's classes with the positive one second.
    return canonical(pricing.classes[1]) if len(pricing.classes) == 2 else None


def _labels(labels: pl.Series) -> pl.Series:
    """Feedback labels (JSON text) in canonical form; decoded once per distinct value."""
    mapping = {text: canonical(json.loads(text)) for text in labels.unique().to_list()}
    return labels.replace_strict(mapping, return_dtype=pl.String).alias("label")


def roi(value: float | None, cost: float, *, currency: str, why_no_value: str = "") -> Roi:
    """(incremental value - cost) / cost, as `modelward.model.returns` defines it for every
    stage; None, saying why, without a value or a cost."""
    found = compute_returns(
        value, cost, currency=currency, why_no_value=why_no_value or "no value is priced"
    )
    return Roi(found.roi, found.sentence, found.negligible)
