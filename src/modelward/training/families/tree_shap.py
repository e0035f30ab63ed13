"""scikit-learn trees, forests and HistGradientBoosting explained through `shap.TreeExplainer`.

Exact TreeSHAP costs leaves x depth² per tree and row: deep forests (150 trees of 1,400
leaves, depth 24) take minutes for 1,000 rows, so past `EXACT_TREE_WORK` the Saabas path
attributions are used instead (additive too, and near-instant). HistGradientBoosting with
native categorical splits is declined (None, so the caller's permutation SHAP runs): shap reads
its splits as numeric thresholds and would be wrong on those features.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np

from modelward.training.families.base import Model
from modelward.training.families.explaining import Link, MemberContributions, model_as
from modelward.training.families.sklearn_model import SklearnModel

EXACT_TREE_WORK = 2e9  # rows x leaves x depth², about 3 s of exact TreeSHAP on two busy cores


def explain_trees(
    model: Model, x: np.ndarray, background: np.ndarray
) -> MemberContributions | None:
    m = model_as(model, SklearnModel)
    estimator = m.estimator
    categorical = getattr(estimator, "is_categorical_", None)
    if categorical is not None and np.any(categorical):
        return None
    matrix = m.prepare(x)
    explainer = _shap().TreeExplainer(estimator, model_output="raw")
    approximate = len(matrix) * _tree_work(estimator) > EXACT_TREE_WORK
    raw = explainer.shap_values(matrix, check_additivity=False, approximate=approximate)
    values = np.asarray(raw, dtype=np.float64)
    values = values[:, :, None] if values.ndim == 2 else values
    expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64)).reshape(-1)
    base = np.tile(expected, (len(matrix), 1))
    link = Link.IDENTITY  # trees and forests average class shares: probabilities already
    if m.family == "hist_gb" and m.classifier:  # boosting sums log-odds
        link = Link.LOGIT if values.shape[2] == 1 else Link.SOFTMAX
    elif m.classifier:
        values, base = _padded(values, base, m.estimator.classes_)
    method = "exact TreeSHAP (shap.TreeExplainer)"
    if approximate:
        method = "Saabas path attributions (exact TreeSHAP would take minutes on trees this deep)"
    return MemberContributions(values, base, link, method)


def _tree_work(estimator: Any) -> int:
    """TreeSHAP's work per row: leaves x depth² summed over the trees (0: few small trees)."""
    trees = [e.tree_ for e in getattr(estimator, "estimators_", [])]
    if hasattr(estimator, "tree_"):
        trees.append(estimator.tree_)
    return sum(int(t.n_leaves) * int(t.max_depth) ** 2 for t in trees)


def _padded(
    values: np.ndarray, base: np.ndarray, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One output per class index, zeros for a class its training rows did not have."""
    present = np.asarray(classes, dtype=np.int64)
    k = max(int(present.max()) + 1, 2)
    full_values = np.zeros((*values.shape[:2], k))
    full_base = np.zeros((len(base), k))
    full_values[:, :, present] = values
    full_base[:, present] = base
    return full_values, full_base


def _shap() -> Any:
    """shap, imported on first use: the import takes seconds (numba, matplotlib)."""
    with warnings.catch_warnings():
        # shap's plotting module calls a matplotlib function marked for deprecation
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        # by name: shap ships no type information, and all its use here is dynamic anyway
        return importlib.import_module("shap")
