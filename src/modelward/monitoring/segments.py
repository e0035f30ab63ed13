"""Monitoring by declared segment: the spec's `monitoring.segments` columns, value by value.

A model can hold up on average and fail one segment (month-to-month customers, one region):
for each declared column, the rows received with each of its most frequent values are judged
apart: the share refused (values outside training, under strict validation), the share acted
on, and for a binary model the accuracy estimated from calibrated probabilities before labels.
A segment whose refusals or estimated accuracy pass the same bounds as the whole deployment's
is its own finding; otherwise one line per column says the segments hold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelward.monitoring.estimate import Calibrator
from modelward.monitoring.frames import Sides, positive_probability
from modelward.monitoring.groups import group_key
from modelward.monitoring.health import Finding, Severity, level
from modelward.monitoring.refusals import CRITICAL_SHARE, WARNING_SHARE
from modelward.spec import ProjectSpec

KIND = "segment"
MAX_SEGMENTS = 8  # a column's most frequent values; the rest are not judged apart
MIN_SEGMENT_ROWS = 30


@dataclass(frozen=True)
class Segment:
    column: str
    value: str
    received: int
    refused: int
    accuracy: float | None  # estimated, binary models with enough scored rows

    @property
    def refused_share(self) -> float:
        return self.refused / self.received if self.received else 0.0


def segment_findings(
    found: Sides, spec: ProjectSpec, calibrator: Calibrator | None
) -> list[Finding]:
    """Per declared column: a finding per segment out of bounds, else one that they hold."""
    findings: list[Finding] = []
    drop = spec.monitoring.performance_drop
    for column in spec.monitoring.segments:
        segments = _segments(found, column, calibrator)
        off = [f for s in segments if (f := _judged(s, calibrator, drop)) is not None]
        if off:
            findings += off
            continue
        judged = len(segments)
        message = (
            f"{judged} segment(s) of {column} with {MIN_SEGMENT_ROWS} rows or more hold: "
            "refusals and estimated accuracy within bounds"
            if judged
            else f"no segment of {column} had {MIN_SEGMENT_ROWS} rows"
        )
        severity = Severity.OK if judged else Severity.NOT_JUDGED
        findings.append(Finding(KIND, column, severity, None, None, message))
    return findings


def _segments(found: Sides, column: str, calibrator: Calibrator | None) -> list[Segment]:
    scored = [group_key(row.get(column)) for row in found.inputs]
    refused = [group_key(row.get(column)) for row in found.refused_inputs]
    counts = Counter(scored) + Counter(refused)
    scores = _scores(found.answers, found.target.positive) if calibrator is not None else None
    segments = []
    for value, received in counts.most_common(MAX_SEGMENTS):
        if received < MIN_SEGMENT_ROWS:
            continue
        accuracy = None
        if scores is not None and calibrator is not None:
            mine = np.array([s for v, s in zip(scored, scores, strict=True) if v == value])
            mine = mine[~np.isnan(mine)]
            if mine.size >= MIN_SEGMENT_ROWS:
                accuracy = calibrator.accuracy(mine)
        segments.append(Segment(column, value, received, refused.count(value), accuracy))
    return segments


def _judged(segment: Segment, calibrator: Calibrator | None, drop: float) -> Finding | None:
    subject = f"{segment.column}={segment.value}"
    said = f"{segment.received:,} rows received"
    reasons = []
    share = segment.refused_share
    severity = level(share, WARNING_SHARE, CRITICAL_SHARE)
    if severity.alerts:
        reasons.append(f"{share:.0%} refused")
    lost = None
    if segment.accuracy is not None and calibrator is not None:
        lost = calibrator.oof_accuracy - segment.accuracy
        fallen = level(lost, drop, 2 * drop)
        if fallen.alerts:
            severity = _worst(severity, fallen)
            reasons.append(
                f"estimated accuracy {segment.accuracy:.3f} against {calibrator.oof_accuracy:.3f} "
                "out of fold"
            )
    if not reasons:
        return None
    value = share if lost is None or share >= WARNING_SHARE else lost  # what alerted first
    return Finding(
        KIND, subject, severity, value, None, f"{subject}: {'; '.join(reasons)} ({said})"
    )


def _worst(a: Severity, b: Severity) -> Severity:
    order = (Severity.OK, Severity.WARNING, Severity.CRITICAL)
    return a if order.index(a) >= order.index(b) else b


def _scores(answers: Sequence[Mapping[str, Any]], positive: object) -> list[float]:
    found = (positive_probability(a, positive) for a in answers)
    return [math.nan if p is None else p for p in found]
