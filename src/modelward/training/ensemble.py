"""Greedy ensemble selection (Caruana et al., 2004) over out-of-fold predictions.

Members are added one at a time, with replacement, each time the one that most improves the
blend's out-of-fold score; the weights are how often each was picked. The ensemble is kept
only when it beats the best single model, so it never costs accuracy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from modelward.training.metrics import Metric
from modelward.training.trial import TrialOutcome

CANDIDATES = 10
ROUNDS = 25
MAX_MEMBERS = 3  # each member costs scoring time: a fourth rarely pays for itself
MIN_GAIN = 2e-4  # relative to the best single score: less is noise, not worth the members


@dataclass(frozen=True)
class Blend:
    """Members (trial outcomes) with weights summing to one, and the blend's OOF score."""

    members: tuple[TrialOutcome, ...]
    weights: tuple[float, ...]
    score: float

    @property
    def is_ensemble(self) -> bool:
        return len(self.members) > 1

    def oof(self) -> np.ndarray:
        """The blend's out-of-fold predictions over every row (NaN where a fold skipped one)."""
        rows = np.arange(len(np.asarray(self.members[0].oof)))
        return _blend(self.members, self.weights, rows)


def select_blend(
    ranked: Sequence[TrialOutcome],
    y: np.ndarray,
    metric: Metric,
    n_classes: int,
    *,
    baselines: Collection[str] = (),
) -> Blend:
    """The best single trial, or a greedy ensemble of the top trials when it scores better."""
    best = ranked[0]
    assert best.score is not None
    assert best.oof is not None
    single = Blend((best,), (1.0,), best.score)
    # Baselines answer "is ML worth it?"; in a blend a constant prior would only squash the
    # probabilities (rank metrics cannot see that), so the pool holds searched models only.
    pool = [o for o in ranked if o.oof is not None and o.family not in baselines][:CANDIDATES]
    if best.family in baselines:
        return single
    if len(pool) < 2:
        return single
    rows = _scored_rows(pool)
    picks = _greedy(pool, rows, y, metric, n_classes)
    counts = Counter(picks)
    if len(counts) < 2:
        return single
    members = tuple(pool[i] for i in sorted(counts))
    weights = tuple(counts[i] / len(picks) for i in sorted(counts))
    score = metric.score(y[rows], _blend(members, weights, rows), n_classes)
    # Like with like: the best model's score over the same pooled out-of-fold rows.
    alone = metric.score(y[rows], np.asarray(best.oof)[rows], n_classes)
    margin = MIN_GAIN * max(abs(alone), 1e-3)
    bar = alone + margin if metric.greater_is_better else alone - margin
    if not metric.better(score, bar):
        return single
    return Blend(members, weights, score)


def _scored_rows(pool: Sequence[TrialOutcome]) -> np.ndarray:
    """Rows every candidate predicted out of fold (time-ordered folds skip the earliest)."""
    masks = []
    for o in pool:
        assert o.oof is not None
        present = ~np.isnan(o.oof)
        masks.append(present if present.ndim == 1 else present.all(axis=1))
    return np.flatnonzero(np.logical_and.reduce(masks))


def _greedy(
    pool: Sequence[TrialOutcome], rows: np.ndarray, y: np.ndarray, metric: Metric, k: int
) -> list[int]:
    preds = [np.asarray(o.oof)[rows] for o in pool]
    total = np.zeros_like(preds[0])
    picks: list[int] = []
    for step in range(1, ROUNDS + 1):
        allowed = set(picks) if len(set(picks)) >= MAX_MEMBERS else set(range(len(preds)))
        losses = [
            metric.loss(metric.score(y[rows], (total + p) / step, k)) if i in allowed else np.inf
            for i, p in enumerate(preds)
        ]
        choice = int(np.argmin(losses))
        picks.append(choice)
        total += preds[choice]
    return picks


def _blend(
    members: Sequence[TrialOutcome], weights: Sequence[float], rows: np.ndarray
) -> np.ndarray:
    parts = [w * np.asarray(m.oof)[rows] for m, w in zip(members, weights, strict=True)]
    return np.asarray(np.sum(parts, axis=0))
