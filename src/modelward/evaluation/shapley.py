"""SHAP values of a whole model in probability space, for the rows a person asks about.

What `modelward explain` shows: how much each input column moved this row's probability of
the positive class (each class's, for multiclass; the value, for regression) away from the
model's mean prediction over a background of training rows. These are interventional SHAP
values of the model's own output, the ensemble included, not of its members' log-odds:

    base = mean of f(b) over the background rows b
    v(S) = mean of f(x_S, b_rest) over the background rows     (the row's values on S)
    base + sum of contributions = f(x)                          exactly, for every row

With at most `EXACT_FEATURES` features they are exact: every coalition of features is
evaluated and weighted by Shapley's formula. With more, they are estimated by permutation
sampling (shap's PermutationExplainer, done in numpy): features are switched from the
background's values to the row's one at a time in a random order and then in the reverse order
(an antithetic pair), each credited with the change it makes. Every order adds up exactly to
f(x) - base, so the sum is exact and only how it is shared between features is estimated;
`error` is the largest standard error of a contribution over the sampled pairs.

The switching happens in each member's encoded columns, all columns of one raw feature
together, which is the same as switching the raw value: every encoded column comes from one
raw column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training import Predictor, Style

BACKGROUND_ROWS = 100  # rows the value function averages over
PAIRS = 16  # antithetic pairs of feature orders per row
EXACT_FEATURES = 10  # up to 2^10 coalitions x the background: exact values cost little more
MAX_MIXED_CELLS = 20_000_000  # encoded values built per prediction call, bounding memory


@dataclass(frozen=True, eq=False)
class Shapley:
    """`values` (n, F, C) per row, raw feature and output; `base` (C,); `error` the largest
    standard error of a contribution (same units)."""

    values: np.ndarray
    base: np.ndarray
    error: float
    background_rows: int
    orders: int

    @property
    def method(self) -> str:
        head = (
            f"SHAP values of the model's own output (interventional, {self.background_rows} "
            "background rows)"
        )
        if self.orders == 0:
            return f"{head}, exact: every coalition of features evaluated"
        return (
            f"{head}, estimated from {self.orders} feature orders per row; sums exact; "
            f"largest standard error {self.error:.2g}"
        )


def probability_shap(
    predictor: Predictor,
    rows: pl.DataFrame,
    background: pl.DataFrame,
    *,
    pairs: int = PAIRS,
    seed: int = 0,
) -> Shapley:
    """Each of `rows` explained against `background` (both conformed to the model's schema)."""
    if background.height == 0:
        raise InputError.field("background", "0 rows", "training rows to measure against")
    reference = background.sample(min(background.height, BACKGROUND_ROWS), seed=seed)
    features = [c.name for c in predictor.schema.columns]
    sources = {
        style: np.array([features.index(c.source) for c in enc.codes for _ in c.names])
        for style, enc in predictor.encoders.items()
    }
    x = {style: enc.transform(rows) for style, enc in predictor.encoders.items()}
    bg = {style: enc.transform(reference) for style, enc in predictor.encoders.items()}
    base = _outputs(predictor.predict_encoded(bg)).mean(axis=0)
    values = np.zeros((rows.height, len(features), base.shape[0]))
    if len(features) <= EXACT_FEATURES:
        for i in range(rows.height):
            values[i] = _exact(predictor, x, bg, sources, i, len(features))
        return Shapley(values, base, 0.0, reference.height, 0)
    rng = np.random.default_rng(seed)
    errors = np.zeros_like(values)
    for i in range(rows.height):
        orders = _orders(rng, len(features), pairs)
        credits = _credits(predictor, x, bg, sources, i, orders)  # (orders, F, C)
        per_pair = credits.reshape(pairs, 2, *credits.shape[1:]).mean(axis=1)
        values[i] = per_pair.mean(axis=0)
        errors[i] = per_pair.std(axis=0, ddof=1) / np.sqrt(pairs) if pairs > 1 else 0.0
    return Shapley(values, base, float(errors.max(initial=0.0)), reference.height, 2 * pairs)


def _exact(
    predictor: Predictor,
    x: dict[Style, np.ndarray],
    bg: dict[Style, np.ndarray],
    sources: dict[Style, np.ndarray],
    i: int,
    n_features: int,
) -> np.ndarray:
    """Row `i`'s exact Shapley values (F, C): coalition k holds the features of k's set bits."""
    coalitions = np.arange(2**n_features)
    masks = ((coalitions[:, None] >> np.arange(n_features)) & 1).astype(bool)
    worth = _masked_means(predictor, x, bg, sources, i, masks)  # (2^F, C)
    sizes = masks.sum(axis=1)
    weight = np.array(
        [math.factorial(s) * math.factorial(n_features - s - 1) for s in range(n_features)]
    ) / math.factorial(n_features)
    values = np.zeros((n_features, worth.shape[1]))
    for j in range(n_features):
        without = coalitions[~masks[:, j]]
        gains = worth[without | (1 << j)] - worth[without]
        values[j] = (weight[sizes[without]][:, None] * gains).sum(axis=0)
    return values


def _orders(rng: np.random.Generator, n_features: int, pairs: int) -> np.ndarray:
    """`pairs` random feature orders, each followed by its reverse."""
    forward = np.argsort(rng.random((pairs, n_features)), axis=1)
    return np.stack([forward, forward[:, ::-1]], axis=1).reshape(2 * pairs, n_features)


def _credits(
    predictor: Predictor,
    x: dict[Style, np.ndarray],
    bg: dict[Style, np.ndarray],
    sources: dict[Style, np.ndarray],
    i: int,
    orders: np.ndarray,
) -> np.ndarray:
    """Each order's credit to each feature: v(before + it) - v(before), walking the order."""
    n_orders, n_features = orders.shape
    # masks[o, k, f]: feature f is the row's own after k steps of order o (k = 0 .. F)
    steps = np.arange(n_features + 1)[None, :, None]
    position = np.argsort(orders, axis=1)[:, None, :]  # where each feature comes in order o
    masks = position < steps
    flat = masks.reshape(-1, n_features)
    means = _masked_means(predictor, x, bg, sources, i, flat)  # (orders * (F + 1), C)
    walk = means.reshape(n_orders, n_features + 1, -1)
    gains = np.diff(walk, axis=1)  # (orders, F, C): the k-th step's gain
    credits = np.zeros_like(gains)
    rows = np.arange(n_orders)[:, None]
    credits[rows, orders, :] = gains
    return credits


def _masked_means(
    predictor: Predictor,
    x: dict[Style, np.ndarray],
    bg: dict[Style, np.ndarray],
    sources: dict[Style, np.ndarray],
    i: int,
    masks: np.ndarray,
) -> np.ndarray:
    """Per mask, the model's mean output over the background with the mask's features taken
    from row `i`."""
    n_bg = next(iter(bg.values())).shape[0]
    width = max(m.shape[1] for m in bg.values())
    block = max(1, MAX_MIXED_CELLS // max(1, n_bg * width))
    out = []
    for start in range(0, len(masks), block):
        chunk = masks[start : start + block]
        mixed = {}
        for style, matrix in bg.items():
            own = chunk[:, sources[style]]  # (m, D): encoded columns taken from the row
            stacked = np.where(own[:, None, :], x[style][i][None, None, :], matrix[None, :, :])
            mixed[style] = stacked.reshape(-1, matrix.shape[1])
        predicted = _outputs(predictor.predict_encoded(mixed))
        out.append(predicted.reshape(len(chunk), n_bg, -1).mean(axis=1))
    return np.concatenate(out)


def _outputs(raw: np.ndarray) -> np.ndarray:
    """(n, C): the positive class's probability (binary), every class's, or the value."""
    if raw.ndim == 1:
        return raw[:, None]
    return raw[:, 1:2] if raw.shape[1] == 2 else raw
