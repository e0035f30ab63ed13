"""From a member's contributions to its margin (log-odds, softmax scores) to probabilities.

Boosted trees, logistic regression and EBMs add up in margin space, and their SHAP values
are exact there; a person reads probabilities. `outcome_space` moves each member's
contributions into the model's output space so they add up to the member's change in
probability, keeping each feature's share of the margin change.

The base is then the probability at the member's base margin, sigmoid(E[margin]) for a
binary member: below the average predicted probability when positives are rare (0.16
against 0.27 on wa_churn), as in every log-odds explanation.
"""

from __future__ import annotations

import numpy as np

from modelward.spec import Task
from modelward.training import Link, MemberContributions

QUADRATURE_NODES = 16  # Gauss-Legendre nodes per segment of the softmax path integral
MAX_SEGMENTS = 64
FLAT = 1e-9  # a margin change below this uses the sigmoid's slope, not the secant


def outcome_space(
    member: MemberContributions, task: Task, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Contributions (n, F, C) and base (n, C) in probabilities (or values, for regression).

    C is 1 for regression and binary (the positive class) and K for multiclass. A binary
    margin's contributions are rescaled by the secant (p(x) - p(base)) / (m(x) - m(base)),
    so they add up exactly to the change in probability (the sigmoid's slope where the
    margin hardly moves). Softmax margins are mapped through the softmax Jacobian averaged
    along the straight path from the base margins to the row's (Gauss-Legendre quadrature):
    by the fundamental theorem of calculus that sums exactly to p(x) - p(base), and a
    feature that moves another class's margin is seen to move this class's probability.
    Both keep each feature's share of the margin change: an approximation, since SHAP of
    the probability itself would weigh the features' interactions through the link.
    """
    values, base = member.values, member.base
    if member.link is Link.LOGIT:
        return _through_sigmoid(values, base)
    if member.link is Link.SOFTMAX:
        return _through_softmax(values, base)
    if task is Task.BINARY:
        return values[:, :, 1:2], base[:, 1:2]
    if task is Task.MULTICLASS and values.shape[2] < n_classes:
        pad = n_classes - values.shape[2]
        return np.pad(values, ((0, 0), (0, 0), (0, pad))), np.pad(base, ((0, 0), (0, pad)))
    return values, base


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free
    return out


def _through_sigmoid(values: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    margin = base + values.sum(axis=1)
    change = margin - base
    p, p0 = _sigmoid(margin), _sigmoid(base)
    flat = np.abs(change) < FLAT
    slope = np.where(flat, p * (1.0 - p), (p - p0) / np.where(flat, 1.0, change))
    return values * slope[:, None, :], p0


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def _through_softmax(values: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    change = values.sum(axis=1)  # (n, K)
    # The softmax turns within a margin gap of a few units: one quadrature segment per unit
    # of the widest gap keeps the integral at about 1e-12 for gaps up to MAX_SEGMENTS.
    gap = float(np.ptp(change, axis=1).max(initial=0.0))
    segments = int(np.clip(np.ceil(gap), 1, MAX_SEGMENTS))
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    starts = np.arange(segments) / segments
    points = (starts[:, None] + 0.5 * (nodes[None, :] + 1.0) / segments).ravel()
    share = np.tile(0.5 * weights / segments, segments)
    jacobian = np.zeros((*change.shape, change.shape[1]))  # (n, K, K)
    eye = np.eye(change.shape[1])
    for t, w in zip(points, share, strict=True):
        p = _softmax(base + t * change)
        jacobian += w * (p[:, :, None] * eye - p[:, :, None] * p[:, None, :])
    return np.einsum("nkl,nfl->nfk", jacobian, values), _softmax(base)
