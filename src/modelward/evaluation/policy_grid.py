"""Counting decisions at many thresholds at once: value, share acted on, fairness gaps.

Every quantity a policy search needs at a candidate threshold is a count of rows at or above
it, so each is one `searchsorted` over sorted probabilities: a thousand thresholds cost about
as much as one pass. Fairness gaps are fairlearn's definitions (the largest between-groups
difference of selection rate, true positive rate, or either rate for equalized odds) over the
groups with at least `MIN_GROUP_ROWS` rows, the worst over each sensitive attribute and each
intersection of them: what the fairness report measures and the gates read.

Per-group thresholds equalize one rate across groups (selection rate for demographic parity,
true positive rate for equal opportunity and equalized odds): for a common rate r, each judged
group's threshold keeps its top r share of rows (of positives, for the TPR), as fairlearn's
ThresholdOptimizer does without randomizing; smaller groups use the threshold of all rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from modelward.evaluation.fairness import MIN_GROUP_ROWS, group_codes

GRID_POINTS = 1001  # 0.000, 0.001, ..., 1.000
RATES = np.linspace(0.0, 1.0, 201)  # common rates tried by per-group thresholds
Outcomes = tuple[float, float, float, float]  # money of TP, FP, FN, TN


def candidates(p: np.ndarray) -> np.ndarray:
    """Thresholds to try: the distinct probabilities (a 1,001-point grid when more), then one
    above every probability (act on nobody)."""
    distinct = np.unique(p)
    found = distinct if len(distinct) < GRID_POINTS else np.linspace(0.0, 1.0, GRID_POINTS)
    return np.append(found, np.inf)


def values_at(
    y: np.ndarray, p: np.ndarray, thresholds: np.ndarray, outcomes: Outcomes
) -> np.ndarray:
    """Mean money per decision when acting on `p >= t`, for each threshold t."""
    positive = y == 1
    chosen = len(p) - np.searchsorted(np.sort(p), thresholds, side="left")
    tp = positive.sum() - np.searchsorted(np.sort(p[positive]), thresholds, side="left")
    fp = chosen - tp
    fn = positive.sum() - tp
    tn = (~positive).sum() - fp
    v_tp, v_fp, v_fn, v_tn = outcomes
    total = tp * v_tp + fp * v_fp + fn * v_fn + tn * v_tn
    return np.asarray(total / max(len(p), 1), dtype=np.float64)


def row_values(y: np.ndarray, acted: np.ndarray, outcomes: Outcomes) -> np.ndarray:
    """Each row's money under the decisions `acted` (for paired intervals)."""
    v_tp, v_fp, v_fn, v_tn = outcomes
    positive = y == 1
    return np.where(acted, np.where(positive, v_tp, v_fp), np.where(positive, v_fn, v_tn))


@dataclass(frozen=True)
class Groups:
    """Rows' group codes, which groups are judged, and each group's labels."""

    names: tuple[str, ...]
    codes: np.ndarray
    judged: tuple[int, ...]

    @classmethod
    def of(cls, labels: np.ndarray) -> Groups:
        names, codes = group_codes(labels)
        counts = np.bincount(codes, minlength=len(names))
        judged = tuple(g for g in range(len(names)) if counts[g] >= MIN_GROUP_ROWS)
        return cls(tuple(names), codes, judged)


def gaps_at(
    y: np.ndarray, p: np.ndarray, groupings: Sequence[Groups], thresholds: np.ndarray
) -> dict[str, np.ndarray]:
    """Demographic parity, equal opportunity and equalized odds differences at each threshold:
    the worst over `groupings` (each attribute and each intersection, as the gates read them)."""
    found = [_gaps(y, p, groups, thresholds) for groups in groupings]
    return {m: np.max([f[m] for f in found], axis=0) for m in found[0]} if found else {}


def gaps_of(y: np.ndarray, acted: np.ndarray, groupings: Sequence[Groups]) -> dict[str, float]:
    """The same three differences for one set of decisions (per-group thresholds)."""
    as_score = acted.astype(np.float64)
    found = gaps_at(y, as_score, groupings, np.array([0.5]))
    return {k: float(v[0]) for k, v in found.items()}


def _gaps(
    y: np.ndarray, p: np.ndarray, groups: Groups, thresholds: np.ndarray
) -> dict[str, np.ndarray]:
    positive = y == 1
    rates: dict[str, list[np.ndarray]] = {"selection": [], "tpr": [], "fpr": []}
    for g in groups.judged:
        rows = groups.codes == g
        rates["selection"].append(_rate(p[rows], thresholds))
        if (rows & positive).any():
            rates["tpr"].append(_rate(p[rows & positive], thresholds))
        if (rows & ~positive).any():
            rates["fpr"].append(_rate(p[rows & ~positive], thresholds))
    spread = {k: _spread(v, len(thresholds)) for k, v in rates.items()}
    return {
        "demographic_parity_difference": spread["selection"],
        "equal_opportunity_difference": spread["tpr"],
        "equalized_odds_difference": np.maximum(spread["tpr"], spread["fpr"]),
    }


def within(gaps: Mapping[str, np.ndarray], bounds: Mapping[str, float], n: int) -> np.ndarray:
    """Which candidates keep every bounded difference within its bound."""
    allowed = np.ones(n, dtype=bool)
    for measure, bound in bounds.items():
        allowed &= gaps[measure] <= bound + 1e-9
    return allowed


def group_cuts(
    y: np.ndarray, p: np.ndarray, groups: Groups, *, by_tpr: bool
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """For each common rate in `RATES`: the threshold of all rows, and each judged group's."""
    positive = y == 1
    reference = positive if by_tpr else np.ones(len(y), dtype=bool)
    default = rate_cuts(p[reference], RATES)
    per_group = {}
    for g in groups.judged:
        rows = (groups.codes == g) & reference
        per_group[g] = rate_cuts(p[rows], RATES) if rows.any() else default
    return default, per_group


def acted_by_groups(
    p: np.ndarray, groups: Groups, default: float, per_group: Mapping[int, float]
) -> np.ndarray:
    """Decisions at per-group thresholds (`default` for groups without their own)."""
    cuts = np.full(len(p), default)
    for g, cut in per_group.items():
        cuts[groups.codes == g] = cut
    return np.asarray(p >= cuts, dtype=bool)


def _rate(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    chosen = len(scores) - np.searchsorted(np.sort(scores), thresholds, side="left")
    return np.asarray(chosen / len(scores), dtype=np.float64)


def _spread(rates: list[np.ndarray], n: int) -> np.ndarray:
    if len(rates) < 2:
        return np.zeros(n)
    stacked = np.vstack(rates)
    return np.asarray(stacked.max(axis=0) - stacked.min(axis=0), dtype=np.float64)


def rate_cuts(p: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """The threshold selecting each rate's share of `p` (its top k rows; ties may add more);
    above every probability where the share is 0 or `p` is empty."""
    if len(p) == 0:
        return np.full(len(rates), np.inf)
    ranked = np.sort(p)[::-1]
    k = np.rint(rates * len(ranked)).astype(np.int64)
    above_all = float(np.nextafter(ranked[0], np.inf))
    return np.where(k == 0, above_all, ranked[np.maximum(k, 1) - 1])
