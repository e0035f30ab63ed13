"""The decision threshold: the probability from which a business acts on a row.

A binary model gives probabilities; a business makes decisions. With a value model (money per
true positive, false positive, false negative, true negative) the threshold that earns the most
on the out-of-fold predictions is the one to use; without one, 0.5. A fairness bound may
restrict the choice to thresholds whose demographic parity difference stays within it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from modelward.errors import InputError
from modelward.evaluation.fairness import (
    DEFAULT_THRESHOLD,
    MIN_GROUP_ROWS,
    group_codes,
)
from modelward.evaluation.numbers import json_float, money
from modelward.spec.model import Task, ValueModel
from modelward.training.evidence import Evidence
from modelward.training.groups import group_labels

GRID_POINTS = 1001  # 0.000, 0.001, ..., 1.000
_TIE = 1e-9  # values this close are the same money (float sums of many rows)


@dataclass(frozen=True)
class Threshold:
    """The threshold evaluation uses, how it was chosen and a sentence saying so."""

    value: float
    chosen_by: Literal["value", "default"]
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "value": json_float(self.value),
            "chosen_by": self.chosen_by,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class ThresholdSearch:
    """The value-maximizing threshold, within a fairness bound when one was given.

    `feasible` is False when no threshold met the bound; the unconstrained best is returned then.
    `demographic_parity_difference` is at the returned threshold (None without groups).
    """

    threshold: float
    value_per_1000: float
    currency: str
    fairness_bound: float | None
    demographic_parity_difference: float | None
    feasible: bool
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": json_float(self.threshold),
            "value_per_1000": json_float(self.value_per_1000, 2),
            "currency": self.currency,
            "fairness_bound": json_float(self.fairness_bound),
            "demographic_parity_difference": json_float(self.demographic_parity_difference),
            "feasible": self.feasible,
            "sentence": self.sentence,
        }


def value_per_decision(
    y: np.ndarray, p_pos: np.ndarray, value_model: ValueModel, threshold: float
) -> float:
    """Mean money per decision when acting on rows with `p_pos >= threshold` (±inf: none, all)."""
    y, p = _check_arrays(y, p_pos)
    return float(values_at(y, p, np.array([threshold]), _outcomes(value_model))[0])


def best_threshold(
    y: np.ndarray,
    p_pos: np.ndarray,
    value_model: ValueModel,
    *,
    fairness_bound: float | None = None,
    groups: np.ndarray | Sequence[object] | None = None,
) -> ThresholdSearch:
    """The threshold of the most value per decision, optionally within a parity bound.

    Candidates are the distinct probabilities (a 1,001-point grid when there are more). With
    `fairness_bound`, only thresholds whose demographic parity difference over `groups` (one
    label per row; groups under `MIN_GROUP_ROWS` rows left out) is at most the bound qualify.
    Acting on everyone treats every group alike, so the lowest candidate always qualifies.
    """
    y, p = _check_arrays(y, p_pos)
    bound = _check_bound(fairness_bound, groups, len(y))
    candidates = _candidates(p)
    values = values_at(y, p, candidates, _outcomes(value_model))
    gaps = None if groups is None else _parity_gaps(p, np.asarray(groups), candidates)
    allowed = np.ones(len(candidates), dtype=bool)
    if bound is not None and gaps is not None:
        allowed = gaps <= bound + _TIE
    feasible = bool(allowed.any())
    best = _pick(values, allowed if feasible else np.ones_like(allowed))
    free = _pick(values, np.ones_like(allowed))
    search = ThresholdSearch(
        threshold=float(candidates[best]),
        value_per_1000=1000 * float(values[best]),
        currency=value_model.currency,
        fairness_bound=bound,
        demographic_parity_difference=None if gaps is None else float(gaps[best]),
        feasible=feasible,
        sentence="",
    )
    free_gap = None if gaps is None else float(gaps[free])
    sentence = _sentence(search, float(candidates[free]), 1000 * float(values[free]), free_gap)
    return replace(search, sentence=sentence)


def choose_threshold(
    evidence: Evidence,
    value_model: ValueModel | None,
    *,
    fairness_bound: float | None = None,
    sensitive: Sequence[str] = (),
) -> Threshold:
    """The threshold evaluation uses: value-maximizing with a binary value model, else 0.5.

    With `fairness_bound` and `sensitive` columns, only thresholds whose demographic parity
    difference across the intersection of those columns stays within the bound qualify (the
    intersection's gap bounds every single attribute's gap, so all of them stay within it).
    """
    if evidence.target.task is not Task.BINARY:
        return Threshold(DEFAULT_THRESHOLD, "default", "no threshold applies: not a binary task")
    if value_model is None or not value_model.is_outcomes:
        sentence = f"threshold {DEFAULT_THRESHOLD} (default: no value model to choose one)"
        return Threshold(DEFAULT_THRESHOLD, "default", sentence)
    rows = evidence.scored
    groups = None
    if fairness_bound is not None and sensitive:
        groups = group_labels(evidence.frame[rows], sensitive)
    search = best_threshold(
        evidence.y[rows],
        evidence.oof[rows, 1],
        value_model,
        fairness_bound=None if groups is None else fairness_bound,
        groups=groups,
    )
    return Threshold(search.threshold, "value", search.sentence)


def values_at(
    y: np.ndarray, p: np.ndarray, thresholds: np.ndarray, outcomes: tuple[float, ...]
) -> np.ndarray:
    """Mean value per decision at each threshold, by counting from sorted probabilities."""
    positive = y == 1
    chosen = len(p) - np.searchsorted(np.sort(p), thresholds, side="left")
    tp = positive.sum() - np.searchsorted(np.sort(p[positive]), thresholds, side="left")
    fp = chosen - tp
    fn = positive.sum() - tp
    tn = (~positive).sum() - fp
    v_tp, v_fp, v_fn, v_tn = outcomes
    total = tp * v_tp + fp * v_fp + fn * v_fn + tn * v_tn
    return np.asarray(total / max(len(p), 1), dtype=np.float64)


def _parity_gaps(p: np.ndarray, labels: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Demographic parity difference at each threshold over the groups large enough to judge."""
    _, codes = group_codes(labels)
    rates = []
    for g in np.unique(codes):
        scores = np.sort(p[codes == g])
        if len(scores) >= MIN_GROUP_ROWS:
            chosen = len(scores) - np.searchsorted(scores, thresholds, side="left")
            rates.append(chosen / len(scores))
    if len(rates) < 2:
        return np.zeros(len(thresholds))
    stacked = np.vstack(rates)
    return np.asarray(stacked.max(axis=0) - stacked.min(axis=0), dtype=np.float64)


def _candidates(p: np.ndarray) -> np.ndarray:
    distinct = np.unique(p)
    if len(distinct) < GRID_POINTS:
        return distinct
    return np.linspace(0.0, 1.0, GRID_POINTS)


def _pick(values: np.ndarray, allowed: np.ndarray) -> int:
    """The best allowed candidate; among equal neighbours the middle one, away from the edge."""
    best = values[allowed].max()
    tied = allowed & (values >= best - _TIE)
    first = int(np.argmax(tied))
    last = first
    while last + 1 < len(tied) and tied[last + 1]:
        last += 1
    return (first + last) // 2


def _sentence(
    search: ThresholdSearch, free_at: float, free_value: float, free_gap: float | None
) -> str:
    amount = f"{money(search.value_per_1000)} {search.currency} per 1,000 decisions"
    at = f"threshold {search.threshold:.3f}"
    if search.fairness_bound is None:
        return f"{at} maximizes expected value: {amount}"
    bound = f"the parity bound {search.fairness_bound:.2f}"
    gap = f"difference {search.demographic_parity_difference or 0.0:.3f}"
    if not search.feasible:
        return f"no threshold stays within {bound}; {at} maximizes value: {amount} ({gap})"
    if abs(free_at - search.threshold) < _TIE:
        return f"{at} maximizes expected value and stays within {bound} ({gap}): {amount}"
    free = f"{free_at:.3f} would earn {money(free_value)} (difference {free_gap or 0.0:.3f})"
    return f"{at} is the most valuable within {bound} ({gap}): {amount}; unbounded, {free}"


def _outcomes(value_model: ValueModel) -> tuple[float, float, float, float]:
    if not value_model.is_outcomes:
        raise InputError.field(
            "value",
            "cost_per_unit_error only",
            "true_positive, false_positive, false_negative and true_negative",
        )
    return value_model.outcome_values()


def _check_arrays(y: np.ndarray, p_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(y), np.asarray(p_pos, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1 or len(y) == 0:
        raise InputError.field(
            "probabilities", f"shape {p.shape}", f"one per label, shape {y.shape}"
        )
    if np.isnan(p).any():
        raise InputError.field("probabilities", "NaN", "a probability for every row")
    return y, p


def _check_bound(bound: float | None, groups: object, n: int) -> float | None:
    if bound is None:
        return None
    if not 0.0 <= bound <= 1.0 or math.isnan(bound):
        raise InputError.field("fairness_bound", bound, "a difference between 0 and 1")
    if groups is None or len(np.asarray(groups)) != n:
        raise InputError.field(
            "groups", "none or the wrong length", f"one group label per row ({n})"
        )
    return float(bound)
