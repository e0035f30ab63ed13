"""Fairness in production: the approved policy's parity, measured again on live decisions.

A model can be fair at approval and unfair in production: the population moves, and a policy
tuned on last year's customers treats this year's groups differently. For a binary model and
each sensitive attribute (the spec's `sensitive`) that clients send with their rows, each
fairness difference the spec bounds is measured on the window's decisions:

- demographic parity: the spread of the acted-on share between groups (no label needed);
- equal opportunity: the spread of the acted-on share among true positives;
- equalized odds: the larger of that and the spread among true negatives.

The last two need outcomes. Until enough labels arrive they are estimated from the calibrated
probabilities (`estimate.Calibrator`): a row scored with chance q counts q as a positive and
1 - q as a negative. A spread past the spec's bound is a warning, past twice the bound critical.
Without a bound in the spec, demographic parity is reported for information only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.monitoring.estimate import Calibrator
from modelward.monitoring.expected import Expected, acted_labels
from modelward.monitoring.frames import Sides, label_text, positive_probability
from modelward.monitoring.health import Finding, Severity, level
from modelward.spec import ProjectSpec

KIND = "fairness"
MIN_GROUP_ROWS = 30  # rows (or outcome mass) a group needs before its rate is compared
DEMOGRAPHIC = "demographic_parity_difference"
OPPORTUNITY = "equal_opportunity_difference"
ODDS = "equalized_odds_difference"


@dataclass(frozen=True)
class Decided:
    """Live binary decisions: the group of each row per attribute, whether it was acted on,
    and its outcome: the true label (1/0) where known, else the calibrated chance of 1."""

    groups: Mapping[str, list[str]]  # attribute -> each row's group
    acted: np.ndarray  # bool
    positive: np.ndarray  # chance (or certainty) that the row is positive
    labelled: bool  # the outcomes are labels, not estimates


def decided(
    inputs: Sequence[Mapping[str, Any]],
    acted: np.ndarray,
    positive: np.ndarray,
    attributes: Sequence[str],
    *,
    labelled: bool,
) -> Decided:
    groups = {a: [group_key(row.get(a)) for row in inputs] for a in attributes}
    return Decided(groups, acted, positive, labelled)


def fairness_findings(
    served: Decided, outcomes: Decided | None, spec: ProjectSpec
) -> list[Finding]:
    """One finding per sensitive attribute sent and fairness difference the spec bounds:
    parity on every `served` row, the outcome-based differences on `outcomes` (labelled rows,
    or served rows with estimated chances; None when neither is available)."""
    bounds = spec.fairness_bounds()
    measures = [m for m in (DEMOGRAPHIC, OPPORTUNITY, ODDS) if m in bounds] or [DEMOGRAPHIC]
    findings = []
    for attribute, groups in served.groups.items():
        if all(g == MISSING for g in groups):
            continue  # clients do not send it: nothing to measure
        for measure in measures:
            on = served if measure == DEMOGRAPHIC else outcomes
            findings.append(_finding(on, attribute, measure, bounds.get(measure)))
    return findings


MISSING = "(missing)"
OUTCOMES = {  # the rows each measure compares acted-on shares over
    DEMOGRAPHIC: ("all rows",),
    OPPORTUNITY: ("positives",),
    ODDS: ("positives", "negatives"),
}
SAID = {
    "all rows": "share acted on",
    "positives": "share of actual positives acted on",
    "negatives": "share of actual negatives acted on",
}


def _finding(found: Decided | None, attribute: str, measure: str, bound: float | None) -> Finding:
    subject = f"{measure} by {attribute}"
    spreads = None if found is None else _spreads(found, attribute, measure)
    if not spreads:
        why = (
            f"{_name(measure)} by {attribute}: not judged (fewer than two groups with "
            f"{MIN_GROUP_ROWS} rows or outcomes each"
            + (", and no labels or calibration yet)" if found is None else ")")
        )
        return Finding(KIND, subject, Severity.NOT_JUDGED, None, bound, why)
    spread = max(high - low for high, low, _ in spreads.values())
    how = (
        ""
        if measure == DEMOGRAPHIC or (found is not None and found.labelled)
        else (" estimated without labels")
    )
    shown = "; ".join(f"{SAID[over]}: {text}" for over, (_, _, text) in spreads.items())
    message = f"{_name(measure)} by {attribute} {spread:.3f}{how} ({shown})"
    severity = Severity.OK
    if bound is not None:
        message += f"; the spec bounds it at {bound:.2f}"
        severity = level(spread, bound, 2 * bound)
    return Finding(KIND, subject, severity, spread, bound, message)


def _spreads(found: Decided, attribute: str, measure: str) -> dict[str, tuple[float, float, str]]:
    """Per compared population: (highest, lowest acted-on share, the shares as text) over the
    groups with enough weight in every population; empty under two such groups."""
    groups = found.groups[attribute]
    labels = np.array(groups)
    weights = {
        "all rows": np.ones(len(groups)),
        "positives": found.positive,
        "negatives": 1 - found.positive,
    }
    overs = OUTCOMES[measure]
    shares: dict[str, dict[str, float]] = {over: {} for over in overs}
    for group in sorted(set(groups) - {MISSING}):
        rows = labels == group
        mass = {over: weights[over][rows] for over in overs}
        if any(w.sum() < MIN_GROUP_ROWS for w in mass.values()):
            continue
        for over, w in mass.items():
            shares[over][group] = float((w * found.acted[rows]).sum() / w.sum())
    if any(len(by_group) < 2 for by_group in shares.values()):
        return {}
    return {
        over: (
            max(by_group.values()),
            min(by_group.values()),
            ", ".join(f"{attribute}={g} {r:.0%}" for g, r in by_group.items()),
        )
        for over, by_group in shares.items()
    }


def group_key(value: object) -> str:
    """A row's group as text: numbers as clients write them (1, not 1.0), null as missing."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _name(measure: str) -> str:
    return measure.replace("_", " ")


def live_fairness(
    found: Sides, spec: ProjectSpec, expected: Expected | None, calibrator: Calibrator | None
) -> list[Finding]:
    """`fairness_findings` of a monitoring window: parity on the served rows, the outcome
    differences on the labelled rows once there are `monitoring.min_rows` of them, else on the
    served rows with calibrated chances."""
    target = found.target
    if not spec.sensitive or target.n_classes != 2:
        return []
    acts = acted_labels(target, None if spec.action is None else spec.action.name, expected)
    said = [a.get("decision", a.get("prediction")) for a in found.answers]
    acted = np.array([str(d) in acts for d in said], dtype=bool)
    served = decided(found.inputs, acted, np.zeros(len(said)), spec.sensitive, labelled=False)
    outcomes = None
    labelled = found.decided
    if labelled.height >= spec.monitoring.min_rows:
        inputs = [json.loads(text) for text in labelled["inputs"]]
        acted_known = labelled["decision"].is_in(list(acts)).fill_null(False).to_numpy()
        truth = (labelled["label"] == label_text(target.positive)).fill_null(False)
        positive = truth.cast(pl.Float64).to_numpy()
        outcomes = decided(inputs, acted_known, positive, spec.sensitive, labelled=True)
    elif calibrator is not None:
        said_p = [positive_probability(a, target.positive) for a in found.answers]
        scored = [i for i, p in enumerate(said_p) if p is not None]
        if scored:
            scores = np.array([said_p[i] for i in scored], dtype=np.float64)
            inputs = [found.inputs[i] for i in scored]
            chances = calibrator.chances(scores)
            outcomes = decided(inputs, acted[scored], chances, spec.sensitive, labelled=False)
    return fairness_findings(served, outcomes, spec)
