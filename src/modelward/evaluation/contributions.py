"""SHAP contributions of one ensemble member, in its encoded features and its own output scale.

Each family has a small function here, keyed by family name (a registry, as the families are):
the boosting libraries compute exact TreeSHAP themselves, scikit-learn's trees go through
`shap.TreeExplainer`, glass boxes are read off their parameters (a linear model's coefficients,
an EBM's additive term scores, the one rule's single feature), and anything else falls back
to permutation SHAP on its predictions. Every function returns contributions that add up
exactly (for the permutation fallback, by construction) to the member's output minus its base:
`base + values.sum(axis=1) == output` in the member's margin space (log-odds, softmax
scores) or, where the model outputs probabilities or values directly, in that space.
`margins.outcome_space` then moves margin contributions into probabilities.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from modelward.evaluation.margins import Link, MemberContributions
from modelward.spec import Task

# The family's private frame builder: the pool must encode categories exactly as predict does.
from modelward.training import (
    CatBoostModel,
    LightGBMModel,
    Model,
    OneRuleModel,
    PriorModel,
    SklearnModel,
    XGBoostModel,
    catboost_frame,
    float32_grid,
    rows,
)

PERMUTATION_BACKGROUND = 30  # background rows per masked evaluation in the fallback
MASKED_CELLS = 4_000_000  # values per masked matrix the fallback predicts on at once
EXACT_TREE_WORK = 2e9  # rows x leaves x depth², about 3 s of exact TreeSHAP on two busy cores
EBM_LINKS = {"logit": "logit", "mlogit": "softmax", "identity": "identity"}
# Families whose base value comes from their own training rows; the others (linear models and
# the permutation fallback) measure against background rows the caller supplies.
OWN_BASE = frozenset(
    {"lightgbm", "xgboost", "catboost", "random_forest", "extra_trees", "tree", "ebm", "prior",
     "one_rule"}
)  # fmt: skip


Explain = Callable[[Model, np.ndarray, np.ndarray], MemberContributions]
M = TypeVar("M")


def member_contributions(
    model: Model, x: np.ndarray, background: np.ndarray
) -> MemberContributions:
    """Contributions of `model` on encoded rows `x`; `background`: encoded reference rows.

    Linear models and the permutation fallback measure against the background's mean; tree
    models and EBMs against their training rows (the base values they carry).
    """
    explain = EXPLAINERS.get(model.family, permutation)
    return explain(model, x, background)


def _split(raw: np.ndarray, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, O, F+1) with the base value last (the boosting libraries' layout) to values, base."""
    per = np.asarray(raw, dtype=np.float64).transpose(0, 2, 1)
    return per[:, :n_features, :], per[:, n_features, :]


def _margin_link(task: Task) -> Link:
    return {Task.BINARY: Link.LOGIT, Task.MULTICLASS: Link.SOFTMAX}.get(task, Link.IDENTITY)


def _as(model: Model, kind: type[M]) -> M:
    if not isinstance(model, kind):
        raise TypeError(f"family {model.family!r} has a {type(model).__name__}, not {kind}")
    return model


def lightgbm(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """LightGBM's own exact TreeSHAP (`pred_contrib`), in log-odds / raw scores."""
    m = _as(model, LightGBMModel)
    matrix = float32_grid(rows(x, m.booster.num_feature()))
    raw = np.asarray(m.booster.predict(matrix, pred_contrib=True))
    # multiclass rows are K blocks of (F + 1) columns, one block per class
    values, base = _split(raw.reshape(len(matrix), -1, matrix.shape[1] + 1), matrix.shape[1])
    return MemberContributions(values, base, _margin_link(m.task), "exact TreeSHAP (LightGBM)")


def xgboost(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """XGBoost's own exact TreeSHAP (`pred_contribs`), in log-odds / raw scores."""
    import xgboost as xgb

    m = _as(model, XGBoostModel)
    matrix = float32_grid(rows(x, m.booster.num_features()))
    raw = np.asarray(m.booster.predict(xgb.DMatrix(matrix), pred_contribs=True))
    raw = raw[:, None, :] if raw.ndim == 2 else raw
    values, base = _split(raw, matrix.shape[1])
    return MemberContributions(values, base, _margin_link(m.task), "exact TreeSHAP (XGBoost)")


def catboost(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """CatBoost's own exact SHAP values, on the same pool its predictions use."""
    from catboost import Pool

    m = _as(model, CatBoostModel)
    matrix = rows(x, len(m.model.feature_names_))
    pool = Pool(catboost_frame(matrix, m.categorical), cat_features=list(m.categorical))
    raw = np.asarray(m.model.get_feature_importance(data=pool, type="ShapValues"))
    raw = raw[:, None, :] if raw.ndim == 2 else raw
    values, base = _split(raw, matrix.shape[1])
    return MemberContributions(values, base, _margin_link(m.task), "exact TreeSHAP (CatBoost)")


def sklearn_trees(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """scikit-learn trees, forests and HistGradientBoosting through `shap.TreeExplainer`.

    Exact TreeSHAP costs leaves x depth² per tree and row: deep forests (150 trees of 1,400
    leaves, depth 24) take minutes for 1,000 rows, so past `EXACT_TREE_WORK` the Saabas path
    attributions are used instead (additive too, and near-instant). HistGradientBoosting with
    native categorical splits goes to the permutation fallback: shap reads its splits as
    numeric thresholds and would be wrong on those features.
    """
    m = _as(model, SklearnModel)
    estimator = m.estimator
    categorical = getattr(estimator, "is_categorical_", None)
    if categorical is not None and np.any(categorical):
        return permutation(model, x, background)
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


def linear(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """Closed form: coefficient x (value - background mean), in log-odds for classifiers.

    Exact for a linear margin with independent features (the linear SHAP of Lundberg & Lee).
    """
    m = _as(model, SklearnModel)
    matrix, reference = m.prepare(x), m.prepare(background).mean(axis=0)
    coef = np.atleast_2d(np.asarray(m.estimator.coef_, dtype=np.float64))  # (O, F)
    intercept = np.atleast_1d(np.asarray(m.estimator.intercept_, dtype=np.float64))
    values = (matrix - reference)[:, :, None] * coef.T[None, :, :]
    base = np.tile(intercept + coef @ reference, (len(matrix), 1))
    link = Link.IDENTITY
    if m.classifier:
        link = Link.LOGIT if coef.shape[0] == 1 else Link.SOFTMAX
    return MemberContributions(values, base, link, "exact linear SHAP (coefficients)")


def ebm(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """An EBM's own term scores; a pair's score is split evenly between its two features."""
    m = _as(model, SklearnModel)
    estimator = m.estimator
    link = EBM_LINKS.get(str(estimator.link_))
    if link is None:  # a custom link (e.g. poisson): no closed form here
        return permutation(model, x, background)
    matrix = m.prepare(x)
    terms = np.asarray(estimator.eval_terms(matrix), dtype=np.float64)
    terms = terms[:, :, None] if terms.ndim == 2 else terms  # (n, T, O)
    share = np.zeros((len(estimator.term_features_), matrix.shape[1]))
    for t, features in enumerate(estimator.term_features_):
        share[t, list(features)] = 1.0 / len(features)
    values = np.einsum("nto,tf->nfo", terms, share)
    intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
    base = np.tile(intercept, (len(matrix), 1))
    return MemberContributions(values, base, Link(link), "EBM term scores (pairs split evenly)")


def prior(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """The prior baseline reads no feature: every contribution is zero."""
    m = _as(model, PriorModel)
    out = m.predict(x)
    base = out.reshape(len(out), -1)
    values = np.zeros((len(out), x.shape[1], base.shape[1]))
    return MemberContributions(values, base, Link.IDENTITY, "prior: no feature is used")


def one_rule(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """Everything on the rule's one feature, against the root's (training) shares or mean."""
    m = _as(model, OneRuleModel)
    out = m.predict(x).reshape(len(x), -1)
    base = np.tile(np.atleast_1d(m.value[0]), (len(out), 1))
    values = np.zeros((len(out), x.shape[1], base.shape[1]))
    values[:, m.feature, :] = out - base
    return MemberContributions(values, base, Link.IDENTITY, "one rule: all on its one feature")


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


def _shap() -> Any:
    """shap, imported on first use: the import takes seconds (numba, matplotlib)."""
    with warnings.catch_warnings():
        # shap's plotting module calls a matplotlib function marked for deprecation
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        # by name: shap ships no type information, and all its use here is dynamic anyway
        return importlib.import_module("shap")


EXPLAINERS: Mapping[str, Explain] = MappingProxyType(
    {
        "lightgbm": lightgbm,
        "xgboost": xgboost,
        "catboost": catboost,
        "random_forest": sklearn_trees,
        "extra_trees": sklearn_trees,
        "tree": sklearn_trees,
        "hist_gb": sklearn_trees,
        "linear": linear,
        "linear_baseline": linear,
        "ebm": ebm,
        "prior": prior,
        "one_rule": one_rule,
    }
)
