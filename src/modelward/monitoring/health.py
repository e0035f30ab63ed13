"""Performance once labels arrive, and the age of the training data against the spec's policy.

Performance is judged against what the model's out-of-fold predictions scored with the same
kind of decision the server makes (an honest expectation): accuracy for classification, mean
absolute error for regression. A drop of the
spec's `performance_drop` is a warning, twice that critical; too few labels are not judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import polars as pl

from modelward.spec import Monitoring, Staleness
from modelward.training import Target

DAY_SECONDS = 86_400.0


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    NOT_JUDGED = "not_judged"

    @property
    def alerts(self) -> bool:
        return self in (Severity.WARNING, Severity.CRITICAL)


@dataclass(frozen=True)
class Finding:
    """One monitored condition: its kind, what it is about, how bad, and the sentence."""

    kind: str  # feature_drift, prediction_drift, label_drift, performance, staleness
    subject: str
    severity: Severity
    value: float | None
    threshold: float | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "severity": self.severity.value,
            "value": self.value,
            "threshold": self.threshold,
            "message": self.message,
        }


def performance(
    labelled: pl.DataFrame, target: Target, facts: dict[str, float], policy: Monitoring
) -> Finding:
    n = labelled.height
    if target.is_classification:
        metric, expected = "accuracy", facts.get("accuracy")
        hits = (labelled["prediction"] == labelled["label"]).cast(pl.Float64)
        now = float(hits.sum()) / n if n else None
        drop = None if now is None or expected is None else expected - now
    else:
        metric, expected = "mean absolute error", facts.get("mae")
        errors = (labelled["prediction"] - labelled["label"]).abs().drop_nulls()
        now = float(errors.mean()) if errors.len() else None  # type: ignore[arg-type]
        drop = None if now is None or not expected else (now - expected) / expected
    if expected is None:
        message = "performance not judged: the model has no out-of-fold predictions to compare"
        return Finding("performance", metric, Severity.NOT_JUDGED, now, None, message)
    if n < policy.min_rows or drop is None or now is None:
        message = f"performance not judged: {n} labelled rows (at least {policy.min_rows})"
        return Finding("performance", metric, Severity.NOT_JUDGED, now, None, message)
    severity = level(drop, policy.performance_drop, 2 * policy.performance_drop)
    worse = "lower" if target.is_classification else "higher"
    message = (
        f"{metric} {now:.3f} on {n} labelled requests vs {expected:.3f} out of fold "
        f"({abs(drop):.1%} {worse if drop > 0 else 'better'})"
    )
    return Finding("performance", metric, severity, now, policy.performance_drop, message)


def staleness(
    policy: Staleness | None,
    frame: pl.DataFrame,
    time_column: str | None,
    created: str,
    now: datetime,
) -> Finding:
    """The training data's age: its newest row's time when the spec names a time column, else
    when the dataset version was added."""
    newest = _newest(frame, time_column) or datetime.fromisoformat(created)
    age = (now - newest).total_seconds() / DAY_SECONDS
    if policy is None:
        message = f"training data is {age:.0f} days old; the spec sets no staleness policy"
        return Finding("staleness", "training data", Severity.NOT_JUDGED, age, None, message)
    limit = policy.max_age_days
    severity = level(
        age, limit * (1 + 1e-9), 2 * limit
    )  # over the policy: warning; twice: critical
    message = f"training data is {age:.0f} days old; policy says {limit:g}"
    return Finding("staleness", "training data", severity, age, limit, message)


def _newest(frame: pl.DataFrame, column: str | None) -> datetime | None:
    if column is None or column not in frame.columns:
        return None
    values = frame[column]
    if values.dtype == pl.String:
        values = values.str.to_datetime(strict=False)
    if not values.dtype.is_temporal():
        return None
    newest = values.max()
    if isinstance(newest, date) and not isinstance(newest, datetime):
        newest = datetime.combine(newest, datetime.min.time())
    if not isinstance(newest, datetime):
        return None
    return newest if newest.tzinfo is not None else newest.replace(tzinfo=UTC)  # naive: UTC


def level(value: float, warning: float, critical: float) -> Severity:
    """OK below `warning`, a warning from it, critical from `critical`."""
    if not math.isfinite(value) or value < warning:
        return Severity.OK
    return Severity.CRITICAL if value >= critical else Severity.WARNING
