"""Pre-processing: reweighing (Kamiran & Calders, 2012).

Each training row gets the weight P(group)·P(label) / P(group, label) over the intersection of
the sensitive attributes, so that in the weighted data the label is independent of the group:
a group that is more often positive than others no longer teaches the model that its members
are. Features, members and their settings stay as they were; only the fits are weighted.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from modelward.errors import InputError
from modelward.evaluation.fairness import group_codes
from modelward.evaluation.mitigation.refit import (
    Mitigated,
    Original,
    Rebuilt,
    blend_oof,
    cross_validate,
    package,
    refit_weighted,
)
from modelward.training import Label, group_labels

SHOWN_CELLS = 24


def reweigh_weights(groups: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each row's weight P(g)·P(y) / P(g, y); the weights average 1 (their sum is the rows)."""
    y = np.asarray(y)
    if len(y) == 0 or len(groups) != len(y):
        raise InputError.field("groups", len(groups), f"one group label per row ({len(y)})")
    _, g = group_codes(np.asarray(groups))
    _, labels = np.unique(y, return_inverse=True)
    labels = labels.reshape(-1)
    n_g, n_y = np.bincount(g), np.bincount(labels)
    cells = g * len(n_y) + labels
    n_cell = np.bincount(cells, minlength=len(n_g) * len(n_y))
    return np.asarray(n_g[g] * n_y[labels] / (len(y) * n_cell[cells]), dtype=np.float64)


def reweigh(original: Original, rebuilt: Rebuilt) -> Mitigated:
    """Cross-validate and refit every member with reweighing weights (each fold's own)."""
    prepared = rebuilt.prepared
    if not prepared.target.is_classification:
        raise InputError.field(
            "--method", "reweigh", "a classification model (reweighing balances labels)"
        )
    data, groups = prepared.data, rebuilt.groups
    fold_weights = [reweigh_weights(groups[f.train], data.y[f.train]) for f in data.folds]
    members = original.members
    weights = [m.weight for m in members]
    outcomes = [cross_validate(data, m, fold_weights, threads=rebuilt.threads) for m in members]
    all_groups = group_labels(prepared.frame, original.spec.sensitive)
    sample_weight = reweigh_weights(all_groups, prepared.y)
    final = refit_weighted(
        prepared, outcomes, weights, sample_weight, seed=original.seed, threads=rebuilt.threads
    )
    details = _details(all_groups, prepared.y, sample_weight, original, prepared.target.classes)
    return package(original, rebuilt, final, blend_oof(outcomes, weights), details)


def _details(
    groups: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    original: Original,
    classes: tuple[Label, ...],
) -> dict[str, Any]:
    columns = ", ".join(original.spec.sensitive)
    names, codes = group_codes(groups)
    cells = []
    for (g, name), (k, label) in itertools.product(enumerate(names), enumerate(classes)):
        mask = (codes == g) & (y == k)
        if mask.any():
            weight = round(float(weights[mask][0]), 4)
            cells.append(
                {"group": name, "label": str(label), "rows": int(mask.sum()), "weight": weight}
            )
    low, high = float(weights.min()), float(weights.max())
    return {
        "columns": list(original.spec.sensitive),
        "weights": cells[:SHOWN_CELLS],
        "sentence": (
            f"training rows reweighed so that {original.evidence.target.column} is independent "
            f"of {columns} (Kamiran & Calders): weights from {low:.2f} to {high:.2f}; the "
            "sensitive attributes are used in training only, not at decision time"
        ),
    }
