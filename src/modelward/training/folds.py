"""Cross-validation folds: stratified, grouped or time-ordered, each with early-stopping rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    TimeSeriesSplit,
)

from modelward.errors import InputError

STOP_SHARE = 0.1  # of a fold's training rows, held out to stop boosting early
MAX_FOLDS = 5
LARGE = 50_000  # above this many rows, three folds say enough


@dataclass(frozen=True)
class Fold:
    """Row indices of one split. `fit` and `stop` partition `train`; `valid` is scored.

    Boosted families fit on `fit` and stop early on `stop`; the others fit on all of `train`.
    """

    train: np.ndarray
    fit: np.ndarray
    stop: np.ndarray
    valid: np.ndarray


def choose_k(n_rows: int, smallest_class: int | None) -> int:
    k = 3 if n_rows > LARGE else MAX_FOLDS
    if smallest_class is not None:
        if smallest_class < 2:
            raise InputError.field(
                "target", f"a class with {smallest_class} row", "at least 2 rows in every class"
            )
        k = min(k, smallest_class)
    return max(2, k)


def make_folds(
    y: np.ndarray,
    *,
    classification: bool,
    k: int,
    seed: int,
    groups: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> tuple[Fold, ...]:
    """Split rows `k` ways: by time when `order` is given, by group when `groups` is given."""
    rows = np.arange(len(y))
    if order is not None:
        by_time = np.argsort(order, kind="stable")
        splits = [(by_time[a], by_time[b]) for a, b in TimeSeriesSplit(n_splits=k).split(by_time)]
    else:
        splits = list(_splitter(classification, k, seed, groups).split(rows, y, groups))
    rng = np.random.default_rng(seed)
    return tuple(
        _fold(train, valid, rng, time_ordered=order is not None) for train, valid in splits
    )


def _splitter(
    classification: bool, k: int, seed: int, groups: np.ndarray | None
) -> KFold | StratifiedKFold | GroupKFold | StratifiedGroupKFold:
    if groups is not None:
        if len(np.unique(groups)) < k:
            raise InputError.field("group_column", "too few groups", f"at least {k} groups")
        if classification:
            return StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        return GroupKFold(n_splits=k)
    if classification:
        return StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return KFold(n_splits=k, shuffle=True, random_state=seed)


def _fold(
    train: np.ndarray, valid: np.ndarray, rng: np.random.Generator, *, time_ordered: bool
) -> Fold:
    n_stop = max(1, int(len(train) * STOP_SHARE))
    # In time order the newest training rows stop boosting; otherwise a random share does.
    picked = np.arange(len(train) - n_stop, len(train)) if time_ordered else None
    if picked is None:
        picked = rng.choice(len(train), size=n_stop, replace=False)
    mask = np.zeros(len(train), dtype=bool)
    mask[picked] = True
    return Fold(
        train=np.sort(train), fit=np.sort(train[~mask]), stop=np.sort(train[mask]), valid=valid
    )
