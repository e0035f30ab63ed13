"""SHAP contributions of one ensemble member, in its encoded features and its own output scale.

Each model family registers its own exact explainer (`Family.explain`): the boosting libraries
compute exact TreeSHAP themselves, scikit-learn's trees go through `shap.TreeExplainer`, glass
boxes are read off their parameters (a linear model's coefficients, an EBM's additive term
scores, the one rule's single feature). A family without one, or one that declines a model,
falls back to permutation SHAP on its predictions, here. Every path returns contributions that
add up exactly (for the permutation fallback, by construction) to the member's output minus its
base: `base + values.sum(axis=1) == output` in the member's margin space (log-odds, softmax
scores) or, where the model outputs probabilities or values directly, in that space.
`margins.outcome_space` then moves margin contributions into probabilities.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from modelward.errors import InputError
from modelward.training import Family, Link, MemberContributions, Model, get_family

PERMUTATION_BACKGROUND = 30  # background rows per masked evaluation in the fallback
MASKED_CELLS = 4_000_000  # values per masked matrix the fallback predicts on at once


def member_contributions(
    model: Model, x: np.ndarray, background: np.ndarray
) -> MemberContributions:
    """Contributions of `model` on encoded rows `x`; `background`: encoded reference rows.

    Linear models and the permutation fallback measure against the background's mean; tree
    models and EBMs against their training rows (the base values they carry).
    """
    family = _family(model.family)
    explained = (
        None if family is None or family.explain is None else family.explain(model, x, background)
    )
    return explained if explained is not None else permutation(model, x, background)


def own_base(family_name: str) -> bool:
    """Whether explaining a model of this family needs no background rows from the caller."""
    family = _family(family_name)
    return family is not None and family.own_base


def _family(name: str) -> Family | None:
    try:
        return get_family(name)
    except InputError:  # a model whose family is not registered here: the fallback explains it
        return None


def permutation(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """Permutation SHAP for models with no exact method: an estimate, additive by construction.

    Per row, features are switched from background values to the row's own one at a time,
    in a random order and then in the reverse order; each feature is credited with the
    average change it makes (shap's PermutationExplainer with one antithetic pair and an
    independent masker). Done here in numpy, all rows at once: shap's explainer predicts one
    row at a time and compiles numba code on first use, seconds to minutes on a busy machine.
    Still far slower than TreeSHAP: a row costs 2F + 1 predictions on each of the
    background rows, where TreeSHAP walks each tree once.
    """
    rng = np.random.default_rng(0)
    take = min(len(background), PERMUTATION_BACKGROUND)
    reference = background[np.sort(rng.choice(len(background), size=take, replace=False))]
    order = np.argsort(rng.random(x.shape), axis=1)  # a random feature order per row
    # One OpenMP thread: for 2F + 1 mid-sized calls a thread team costs more than it gains
    # (HistGradientBoosting: 3.7 s against 15 s for 1,000 rows on a busy 2-core machine).
    with threadpool_limits(limits=1, user_api="openmp"):
        base = _masked_mean(model, x, reference, np.zeros(x.shape, dtype=bool))
        values = np.zeros((*x.shape, base.shape[1]))
        for sequence in (order, order[:, ::-1]):
            _walk(model, x, reference, sequence, base, values)
    return MemberContributions(values / 2.0, base, Link.IDENTITY, "permutation SHAP (estimate)")


def _walk(
    model: Model,
    x: np.ndarray,
    reference: np.ndarray,
    sequence: np.ndarray,
    base: np.ndarray,
    values: np.ndarray,
) -> None:
    """Switch features in one at a time, in each row's `sequence`, crediting each change."""
    every = np.arange(len(x))
    mask = np.zeros(x.shape, dtype=bool)
    previous = base
    for step in range(x.shape[1]):
        mask[every, sequence[:, step]] = True
        current = _masked_mean(model, x, reference, mask)
        values[every, sequence[:, step], :] += current - previous
        previous = current


def _masked_mean(
    model: Model, x: np.ndarray, reference: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """(n, O): per row, the mean prediction with masked-out features from each reference row."""
    out: list[np.ndarray] = []
    block = max(1, MASKED_CELLS // max(1, reference.size))
    for start in range(0, len(x), block):
        rows, keep = x[start : start + block], mask[start : start + block]
        mixed = np.where(keep[:, None, :], rows[:, None, :], reference[None, :, :])
        predicted = model.predict(mixed.reshape(-1, x.shape[1]))
        out.append(predicted.reshape(len(rows), len(reference), -1).mean(axis=1))
    return np.concatenate(out)
