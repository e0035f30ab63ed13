"""Performance and value before labels arrive: confidence-based estimation (as NannyML's CBPE).

Labels come late (months, for churn or credit), and until they do a monitor can only say the
inputs moved. A binary model's probabilities say more: once calibrated on the evaluation's
out-of-fold predictions (isotonic regression against the true labels), a row scored 0.3 is
positive with probability about 0.3, so the expected confusion matrix of current traffic, and
what its decisions will be worth under the spec's value model, follow without a single label.

The estimate holds while the relation between inputs and outcome holds (covariate shift); a
change in that relation (concept drift) shows only once labels arrive, which is why the realized
value is reported beside the estimate on the same rows (`value.value_finding`).

A multiclass model's accuracy is estimated the same way from its confidence (the probability
of the class it answers, calibrated against being right). A regression model has no
probabilities: its error is estimated by direct loss estimation, a second model fitted on the
out-of-fold rows to predict the absolute error from the inputs and the prediction, then applied
to current traffic; with the value model's `cost_per_unit_error`, that error is money.

Intervals are what the realized figure on these rows would fall in if the calibrated
probabilities are right: each row's outcome is a Bernoulli draw, so the realized mean's spread
is the sum of the rows' variances (normal approximation, 95%).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.isotonic import IsotonicRegression

from modelward.evaluation import money
from modelward.model import reference_acts
from modelward.monitoring.expected import Expected, acted_labels
from modelward.monitoring.frames import positive_probability
from modelward.monitoring.health import Finding, Severity, level
from modelward.spec import ProjectSpec, Task
from modelward.training import Evidence, Target

Z95 = 1.959964
KIND_PERFORMANCE = "estimated_performance"
KIND_VALUE = "estimated_value"
VALUE_SUBJECT = "value per 1,000 decisions (estimated)"
MIN_CALIBRATION_ROWS = 50


@dataclass(frozen=True)
class Calibrator:
    """Maps a served positive-class probability to the chance that the row is positive."""

    model: IsotonicRegression
    oof_accuracy: float
    oof_auc: float | None

    @classmethod
    def fit(cls, evidence: Evidence) -> Calibrator | None:
        """From the out-of-fold predictions; None for other tasks or too few scored rows."""
        if evidence.target.n_classes != 2 or evidence.oof.ndim != 2:
            return None
        scored = ~np.isnan(evidence.oof).any(axis=1)
        if scored.sum() < MIN_CALIBRATION_ROWS:
            return None
        p, y = evidence.oof[scored, 1], evidence.y[scored].astype(np.float64)
        model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y)
        accuracy = float(((p >= 0.5) == (y == 1)).mean())
        return cls(model, accuracy, _auc(p, y))

    def chances(self, scores: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(self.model.predict(scores), dtype=np.float64), 0.0, 1.0)

    def accuracy(self, scores: np.ndarray) -> float:
        """Expected accuracy of the answered class (the more probable one) on rows scored
        `scores`: right with chance q where it answers positive, 1 - q where negative."""
        return _answered_accuracy(scores, self.chances(scores))


@dataclass(frozen=True)
class Confidence:
    """A multiclass model's chance of being right, from the probability of its answer."""

    model: IsotonicRegression
    oof_accuracy: float

    @classmethod
    def fit(cls, evidence: Evidence) -> Confidence | None:
        if evidence.target.task is not Task.MULTICLASS or evidence.oof.ndim != 2:
            return None
        scored = ~np.isnan(evidence.oof).any(axis=1)
        if scored.sum() < MIN_CALIBRATION_ROWS:
            return None
        oof, y = evidence.oof[scored], evidence.y[scored]
        right = (oof.argmax(axis=1) == y).astype(np.float64)
        model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        return cls(model.fit(oof.max(axis=1), right), float(right.mean()))

    def accuracy(self, confidence: np.ndarray) -> float:
        return float(np.clip(self.model.predict(confidence), 0.0, 1.0).mean())


@dataclass(frozen=True)
class LossModel:
    """Direct loss estimation for regression: the expected absolute error of a row, learnt on
    the out-of-fold rows from the numeric inputs and the prediction."""

    model: HistGradientBoostingRegressor
    columns: tuple[str, ...]  # numeric inputs, then the prediction
    oof_mae: float

    @classmethod
    def fit(cls, evidence: Evidence, features: Sequence[str]) -> LossModel | None:
        if evidence.target.task is not Task.REGRESSION or evidence.oof.ndim != 1:
            return None
        scored = ~np.isnan(evidence.oof)
        if scored.sum() < MIN_CALIBRATION_ROWS:
            return None
        frame = evidence.frame.filter(pl.Series(scored))
        columns = tuple(c for c in features if frame.schema.get(c, pl.Null).is_numeric())
        x = _numbers(frame.to_dicts(), columns, evidence.oof[scored])
        error = np.abs(evidence.y[scored] - evidence.oof[scored])
        model = HistGradientBoostingRegressor(max_iter=100, random_state=0).fit(x, error)
        return cls(model, columns, float(error.mean()))

    def mae(self, inputs: Sequence[Mapping[str, Any]], predictions: np.ndarray) -> float:
        expected = self.model.predict(_numbers(inputs, self.columns, predictions))
        return float(np.clip(expected, 0.0, None).mean())


def error_finding(
    inputs: Sequence[Mapping[str, Any]],
    predictions: np.ndarray,
    losses: LossModel,
    spec: ProjectSpec,
) -> Finding:
    """A regression model's mean absolute error on current traffic, estimated without labels,
    against its out-of-fold error; priced with the value model's cost of a unit of error."""
    subject = "mean absolute error (estimated)"
    policy = spec.monitoring
    n = len(predictions)
    if n < policy.min_rows:
        why = f"error not estimated: {n} scored rows (at least {policy.min_rows})"
        return Finding(KIND_PERFORMANCE, subject, Severity.NOT_JUDGED, None, None, why)
    mae = losses.mae(inputs, predictions)
    worse = (mae - losses.oof_mae) / losses.oof_mae if losses.oof_mae > 0 else 0.0
    drop = policy.performance_drop
    severity = level(worse, drop, 2 * drop)
    message = (
        f"estimated without labels on {n:,} scored rows: mean absolute error {money(mae)} "
        f"(out of fold {money(losses.oof_mae)})"
    )
    unit = None if spec.value is None else spec.value.cost_per_unit_error
    if unit is not None and spec.value is not None:
        message += f"; about {money(1000 * mae * unit)} {spec.value.currency} per 1,000 predictions"
    return Finding(KIND_PERFORMANCE, subject, severity, mae, drop, message)


def multiclass_finding(
    confidence: np.ndarray, model: Confidence, min_rows: int, drop: float
) -> Finding:
    """A multiclass model's accuracy on current traffic, estimated from its calibrated
    confidence, against its out-of-fold accuracy."""
    subject = "accuracy (estimated)"
    n = len(confidence)
    if n < min_rows:
        why = f"performance not estimated: {n} scored rows (at least {min_rows})"
        return Finding(KIND_PERFORMANCE, subject, Severity.NOT_JUDGED, None, None, why)
    accuracy = model.accuracy(confidence)
    severity = level(model.oof_accuracy - accuracy, drop, 2 * drop)
    message = (
        f"estimated without labels on {n:,} scored rows: accuracy {accuracy:.3f} "
        f"(out of fold {model.oof_accuracy:.3f})"
    )
    return Finding(KIND_PERFORMANCE, subject, severity, accuracy, drop, message)


def _answered_accuracy(scores: np.ndarray, q: np.ndarray) -> float:
    return float(np.where(scores >= 0.5, q, 1 - q).mean())


def _numbers(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], predictions: np.ndarray
) -> np.ndarray:
    """Rows' numeric inputs (NaN where missing or not a number) beside their prediction."""
    values = [[_number(row.get(c)) for c in columns] for row in rows]
    matrix = np.array(values, dtype=np.float64).reshape(len(rows), len(columns))
    return np.column_stack([matrix, np.asarray(predictions, dtype=np.float64)])


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


@dataclass(frozen=True)
class Estimate:
    """An estimated mean and the interval the realized mean should fall in."""

    mean: float
    low: float
    high: float


def performance_finding(
    scores: np.ndarray, calibrator: Calibrator, min_rows: int, drop: float
) -> Finding:
    """Estimated accuracy (of the answered class) and ROC-AUC of current traffic, against what
    the model scored out of fold; a drop past the spec's `performance_drop` is a warning."""
    subject = "accuracy (estimated)"
    n = len(scores)
    if n < min_rows:
        why = f"performance not estimated: {n} scored rows (at least {min_rows})"
        return Finding(KIND_PERFORMANCE, subject, Severity.NOT_JUDGED, None, None, why)
    q = calibrator.chances(scores)
    accuracy = _answered_accuracy(scores, q)
    auc = _expected_auc(scores, q)
    severity = level(calibrator.oof_accuracy - accuracy, drop, 2 * drop)
    said_auc = ""
    if auc is not None and calibrator.oof_auc is not None:
        said_auc = f"; ROC-AUC {auc:.3f} (out of fold {calibrator.oof_auc:.3f})"
    message = (
        f"estimated without labels on {n:,} scored rows: accuracy {accuracy:.3f} "
        f"(out of fold {calibrator.oof_accuracy:.3f}){said_auc}"
    )
    return Finding(KIND_PERFORMANCE, subject, severity, accuracy, drop, message)


def value_estimate(
    scores: np.ndarray,
    acted: np.ndarray,
    reference: np.ndarray,
    calibrator: Calibrator,
    outcomes: tuple[float, float, float, float],
) -> Estimate:
    """Expected gain per 1,000 decisions of `acted` over `reference` on rows scored `scores`."""
    q = calibrator.chances(scores)
    if_positive = _values(acted, outcomes, positive=True) - _values(reference, outcomes, True)
    if_negative = _values(acted, outcomes, False) - _values(reference, outcomes, False)
    gain = q * if_positive + (1 - q) * if_negative
    variance = q * (1 - q) * (if_positive - if_negative) ** 2
    n = len(scores)
    mean = float(gain.mean())
    half = Z95 * math.sqrt(float(variance.sum())) / n
    return Estimate(1000 * mean, 1000 * (mean - half), 1000 * (mean + half))


def value_estimate_finding(
    answers: Sequence[Mapping[str, Any]],
    inputs: Sequence[Mapping[str, Any]],
    spec: ProjectSpec,
    target: Target,
    calibrator: Calibrator,
    expected: Expected,
    min_rows: int,
) -> Finding | None:
    """The estimated gain of current decisions over the evaluation's policy without a model,
    against the gain the evaluation expected; a drop past `monitoring.value_drop` is a
    warning, an interval wholly below 0 critical. None where decisions are not priced."""
    vm = spec.value
    if vm is None or not vm.is_outcomes:
        return None
    acts = acted_labels(target, None if spec.action is None else spec.action.name, expected)
    decided = decided_rows(answers, target, acts)
    if decided is None or len(decided[0]) < min_rows:
        n = 0 if decided is None else len(decided[0])
        why = f"value not estimated: {n} decided rows with probabilities (at least {min_rows})"
        return Finding(KIND_VALUE, VALUE_SUBJECT, Severity.NOT_JUDGED, None, None, why)
    scores, acted, kept = decided
    rows = [inputs[i] for i in kept]
    reference = reference_acts(
        expected.reference, len(rows), rows=rows, rule=spec.incumbent, positive=target.positive
    )
    found = value_estimate(scores, acted, reference, calibrator, vm.outcome_values())
    bound = spec.monitoring.value_drop
    severity = Severity.OK
    if found.high < 0:
        severity = Severity.CRITICAL
    elif found.mean < expected.gain_per_1000 - bound * abs(expected.gain_per_1000):
        severity = Severity.WARNING
    message = (
        f"estimated without labels on {len(scores):,} decisions: {money(found.mean)} "
        f"{vm.currency} more per 1,000 than {expected.reference_name} (95% interval "
        f"{money(found.low)} to {money(found.high)}), against {money(expected.gain_per_1000)} "
        f"expected by the evaluation"
    )
    return Finding(KIND_VALUE, VALUE_SUBJECT, severity, found.mean, bound, message)


def positive_scores(answers: Sequence[Mapping[str, Any]], target: Target) -> np.ndarray:
    """The positive class's probability of each answer that has one."""
    found = (positive_probability(a, target.positive) for a in answers)
    return np.array([p for p in found if p is not None], dtype=np.float64)


def decided_rows(
    answers: Sequence[Mapping[str, Any]], target: Target, acts: set[str]
) -> tuple[np.ndarray, np.ndarray, list[int]] | None:
    """(positive-class probability, acted on, row index) of the answers that carry both;
    `acts` are the decisions that mean "acted on" (`expected.acted_labels`)."""
    scores, acted, kept = [], [], []
    for i, answer in enumerate(answers):
        p = positive_probability(answer, target.positive)
        decision = answer.get("decision", answer.get("prediction"))
        if p is not None and decision is not None:
            scores.append(p)
            acted.append(str(decision) in acts)
            kept.append(i)
    if not kept:
        return None
    return np.array(scores), np.array(acted, dtype=bool), kept


def _values(acts: np.ndarray, outcomes: tuple[float, float, float, float], positive: bool) -> Any:
    tp, fp, fn, tn = outcomes
    return np.where(acts, tp, fn) if positive else np.where(acts, fp, tn)


def _expected_auc(scores: np.ndarray, q: np.ndarray) -> float | None:
    """ROC-AUC expected from calibrated chances: each row counts q as a positive and 1 - q as
    a negative at its score (ties count half)."""
    positives, negatives = float(q.sum()), float((1 - q).sum())
    if positives <= 0 or negatives <= 0:
        return None
    order = np.argsort(-scores, kind="stable")
    s, pos, neg = scores[order], q[order], 1 - q[order]
    # Group equal scores: a tie between a positive and a negative counts one half.
    edges = np.flatnonzero(np.diff(s)) + 1
    pos_groups = np.add.reduceat(pos, np.r_[0, edges])
    neg_groups = np.add.reduceat(neg, np.r_[0, edges])
    above = np.cumsum(pos_groups) - pos_groups  # positives scored strictly higher
    pairs = (neg_groups * (above + pos_groups / 2)).sum()
    return float(pairs / (positives * negatives))


def _auc(p: np.ndarray, y: np.ndarray) -> float | None:
    if y.min() == y.max():
        return None
    return _expected_auc(p, y)
