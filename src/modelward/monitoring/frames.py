"""What monitoring compares: the training evidence of the served model against recent traffic.

The reference is the model's own training rows (kept beside it as evidence): its features, its
out-of-fold predictions (what the model says on rows it did not see, the honest baseline for
prediction drift) and its labels. The current side is the prediction log's rows of the window
(served routes only: a shadow's rows are the same requests twice) and the feedback on them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from modelward.registry import ModelVersion
from modelward.serving import as_number, read_feedback, read_predictions
from modelward.spec import Task
from modelward.training import Evidence, Target, load_evidence
from modelward.workspace import Workspace

SERVED = ("primary", "canary")
REFUSED = "refused"  # the log's route of refused rows, and their answers' key
PREDICTION = "prediction"  # the column holding what the model said, on both sides
LABEL = "label"


@dataclass(frozen=True)
class Sides:
    """Reference and current frames: features, one prediction column, and labels."""

    features: tuple[str, ...]
    reference: pl.DataFrame  # features + prediction
    current: pl.DataFrame  # features + prediction, of the window
    reference_labels: pl.Series
    current_labels: pl.DataFrame  # prediction and label of the labelled rows of the window
    target: Target
    training: pl.DataFrame  # every column of the training rows (for staleness)
    expected: dict[str, float]  # out-of-fold accuracy (argmax, as served) or MAE
    decided: pl.DataFrame  # labelled rows: `decision`, `label` (text) and `inputs` (JSON)
    received: pl.DataFrame  # features of every row received: scored and refused
    answers: list[dict[str, Any]]  # what the server answered for each scored row
    inputs: list[dict[str, Any]]  # each scored row as it was sent
    refused: list[dict[str, Any]]  # why each refused row was refused, as logged
    evidence: Evidence  # the served model's out-of-fold evidence
    refused_inputs: list[dict[str, Any]]  # each refused row as it was sent


def sides(
    ws: Workspace, model: ModelVersion, deployment: str, since: datetime, until: datetime
) -> Sides:
    evidence = load_evidence(ws, model)
    features = _features(model.input_schema.get("columns", []), evidence.target)
    reference = evidence.frame.select(features).with_columns(
        pl.Series(PREDICTION, _reference_predictions(evidence))
    )
    logged = read_predictions(ws, deployment, since=since, until=until)
    served = logged.filter(pl.col("route").is_in(SERVED))
    refused = logged.filter(pl.col("route") == REFUSED)
    answers = [json.loads(text) for text in served["prediction"]]
    sent = [json.loads(text) for text in served["inputs"]]
    turned_away = _parsed(refused)
    reasons = [json.loads(text).get(REFUSED, {}) for text in refused["prediction"]]
    current = _inputs(sent, features).with_columns(
        pl.Series(PREDICTION, _said(answers, evidence.target))
    )
    # Rows refused for what they hold are traffic the model would have seen; rows refused
    # for their caller's rate are not evidence about the population.
    unscored = [row for row, why in zip(turned_away, reasons, strict=True) if _about_rows(why)]
    # Estimates calibrate the served model's answers: a canary's are another model's.
    mine = (served["model"] == model.ref).to_list()
    feedback = read_feedback(ws, deployment)
    labels = _labelled(served, feedback, evidence.target)
    truth = evidence.frame[evidence.target.column]
    reference_labels = truth if not evidence.target.is_classification else truth.cast(pl.String)
    return Sides(
        features,
        reference,
        current,
        reference_labels,
        labels,
        evidence.target,
        evidence.frame,
        expected_performance(evidence),
        _decided(served, feedback, evidence.target),
        _received(current.select(features), _inputs(unscored, features)),
        [a for a, keep in zip(answers, mine, strict=True) if keep],
        [row for row, keep in zip(sent, mine, strict=True) if keep],
        reasons,
        evidence,
        turned_away,
    )


THROTTLED = ("rate", "extraction")  # refusal reasons about the caller, not the rows


def _about_rows(reason: object) -> bool:
    return not (isinstance(reason, dict) and reason.get("reason") in THROTTLED)


def _features(columns: list[dict[str, str]], target: Target) -> tuple[str, ...]:
    """The input columns judged for drift. A forecast's period is not one: the future is
    always later than the history, which is no sign of a changed world."""
    periods = target.task is Task.FORECAST
    return tuple(c["name"] for c in columns if not (periods and c.get("kind") == "datetime"))


def expected_performance(evidence: Evidence) -> dict[str, float]:
    """What the served predictions scored out of fold: the baseline for live performance.

    Accuracy is of the `prediction`, the most probable class, as the server answers it (the
    decision is judged by its value, not by agreeing with the label)."""
    oof, y = evidence.oof, evidence.y
    if evidence.target.is_classification:
        scored = ~np.isnan(oof).any(axis=1)
        if not scored.any():
            return {}
        decided = oof[scored].argmax(axis=1)
        return {"accuracy": float((decided == y[scored]).mean())}
    scored = ~np.isnan(oof)
    return {"mae": float(np.abs(oof[scored] - y[scored]).mean())} if scored.any() else {}


def _reference_predictions(evidence: Evidence) -> pl.Series:
    """Out-of-fold: the positive class's probability (binary), the class (multiclass), the
    value (regression). Rows no fold validated are missing."""
    oof, target = evidence.oof, evidence.target
    if not target.is_classification:
        return pl.Series(PREDICTION, oof, dtype=pl.Float64).fill_nan(None)
    if target.n_classes == 2:
        return pl.Series(PREDICTION, oof[:, 1], dtype=pl.Float64).fill_nan(None)
    scored = ~np.isnan(oof).any(axis=1)
    chosen = np.where(scored, oof.argmax(axis=1), -1)
    labels = [str(target.classes[i]) if i >= 0 else None for i in chosen]
    return pl.Series(PREDICTION, labels, dtype=pl.String)


def _received(scored: pl.DataFrame, refused: pl.DataFrame) -> pl.DataFrame:
    """Scored and refused rows' features together, the refused ones read in the scored rows'
    types: a refused value no such type reads (text in a number's place) is null, a missing
    value, and so is any refused value of a column whose type text does not cast to."""
    if refused.is_empty():
        return scored
    if scored.is_empty():
        return refused  # everything was refused: the refused rows are all there is to judge
    columns = []
    for c, kind in scored.schema.items():
        if kind == pl.Null:  # no scored row had a value: the refused rows' own type stands
            columns.append(pl.col(c))
            continue
        readable = kind.is_numeric() or kind in (pl.String, pl.Boolean)
        value = pl.col(c) if readable else pl.lit(None)
        columns.append(value.cast(kind, strict=False).alias(c))
    try:
        return pl.concat([scored, refused.select(columns)], how="vertical_relaxed")
    except pl.exceptions.PolarsError:
        return scored  # refused rows no type reads: drift judges the scored rows alone


def _parsed(logged: pl.DataFrame) -> list[dict[str, Any]]:
    return [json.loads(text) for text in logged["inputs"]]


def _inputs(rows: list[dict[str, Any]], features: tuple[str, ...]) -> pl.DataFrame:
    """The logged rows' features, one column each (a field a row lacks is null). Text stays
    text: a refused row may hold a value of another type than the scored ones."""
    if not rows:
        return pl.DataFrame({f: [] for f in features}, schema=dict.fromkeys(features, pl.Null))
    inputs = pl.DataFrame(rows, infer_schema_length=None)
    missing = [f for f in features if f not in inputs.columns]
    return inputs.with_columns(pl.lit(None).alias(f) for f in missing).select(features)


def _said(answers: list[dict[str, object]], target: Target) -> list[object]:
    if target.is_classification and target.n_classes == 2:
        positive = str(target.classes[1])
        return [positive_probability(a, positive) for a in answers]
    if target.is_classification:
        return [None if a.get("prediction") is None else str(a["prediction"]) for a in answers]
    return [as_number(a.get("prediction")) for a in answers]


def _labelled(served: pl.DataFrame, feedback: pl.DataFrame, target: Target) -> pl.DataFrame:
    """The window's labelled rows: what the model decided and the true label, as text or number."""
    joined = served.join(feedback.select("request_id", "label"), on="request_id", how="inner")
    decided = [json.loads(text).get("prediction") for text in joined["prediction"]]
    truth = [json.loads(text) for text in joined["label"]]
    if target.is_classification:
        return pl.DataFrame(
            {PREDICTION: [str(d) for d in decided], LABEL: [str(t) for t in truth]},
            schema={PREDICTION: pl.String, LABEL: pl.String},
        )
    return pl.DataFrame(
        {PREDICTION: [as_number(d) for d in decided], LABEL: [as_number(t) for t in truth]},
        schema={PREDICTION: pl.Float64, LABEL: pl.Float64},
    )


def _decided(served: pl.DataFrame, feedback: pl.DataFrame, target: Target) -> pl.DataFrame:
    """The labelled rows' decisions (an answer's `decision`; logs from before decisions were
    answered carry it as `prediction`), labels as text, inputs, and the positive class's
    probability (`score`, binary models) the decision was made on."""
    joined = served.join(feedback.select("request_id", "label"), on="request_id", how="inner")
    answers = [json.loads(text) for text in joined["prediction"]]
    decisions = [a.get("decision", a.get("prediction")) for a in answers]
    labels = [label_text(json.loads(text)) for text in joined["label"]]
    positive = str(target.classes[1]) if target.n_classes == 2 else None
    scores = [None if positive is None else positive_probability(a, positive) for a in answers]
    return pl.DataFrame(
        {
            "decision": [None if d is None else label_text(d) for d in decisions],
            LABEL: labels,
            "inputs": joined["inputs"].to_list(),
            "score": scores,
        },
        schema={"decision": pl.String, LABEL: pl.String, "inputs": pl.String, "score": pl.Float64},
    )


def label_text(value: object) -> str:
    """A label as logged decisions render it: strings as they are, other values as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def positive_probability(answer: Mapping[str, object], positive: object) -> float | None:
    """The probability an answer gives the `positive` class, or None where it gives none."""
    proba = answer.get("proba")
    return as_number(proba.get(str(positive))) if isinstance(proba, Mapping) else None
