"""Small array conventions every family follows: input checks, float32 rounding, probabilities."""

from __future__ import annotations

import numpy as np

from modelward.errors import InputError


def rows(x: np.ndarray, n_features: int) -> np.ndarray:
    """`x` as a float64 matrix of `n_features` columns, or an InputError naming its shape."""
    matrix = np.asarray(x, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != n_features:
        raise InputError.field("X", getattr(x, "shape", None), f"a matrix of {n_features} columns")
    return matrix


def float32_grid(x: np.ndarray) -> np.ndarray:
    """`x` rounded through float32, as float64.

    ONNX tree ensembles compare features and thresholds in float32. Tree families fit and
    predict on float32 values, so every threshold falls between float32 values and the native
    model and its ONNX export route each row down the same branches.
    """
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def probabilities(raw: np.ndarray, n_classes: int) -> np.ndarray:
    """(n, K) float64 rows summing to 1; a binary model's positive-class vector is widened."""
    p = np.asarray(raw, dtype=np.float64)
    if p.size == 1 and n_classes == 2:  # one served row: five numpy calls cost 10 microseconds
        return _one_binary(float(p.reshape(-1)[0]))
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1 and n_classes == 2):
        p = p.reshape(-1)
        p = np.column_stack([1.0 - p, p])
    total = p.sum(axis=1, keepdims=True)
    out = np.full_like(p, 1.0 / p.shape[1])
    np.divide(p, total, out=out, where=total > 0)
    return out


def _one_binary(positive: float) -> np.ndarray:
    """`probabilities` of one binary score, by the same float operations."""
    negative = 1.0 - positive
    total = negative + positive
    if not total > 0:
        return np.array([[0.5, 0.5]])
    return np.array([[negative / total, positive / total]])


def balanced_weights(y: np.ndarray, n_classes: int, sample_weight: np.ndarray | None) -> np.ndarray:
    """Row weights that give every class the same total weight (sklearn's "balanced")."""
    base = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    totals = np.bincount(y, weights=base, minlength=n_classes)
    per_class = np.zeros(n_classes)
    np.divide(base.sum() / n_classes, totals, out=per_class, where=totals > 0)
    return np.asarray(base * per_class[y], dtype=np.float64)
