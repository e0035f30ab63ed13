"""The one-rule baseline: a depth-2 tree on the single most telling feature.

The feature is chosen on the training rows only, by the impurity decrease of a depth-2 tree
fitted on each feature alone. The artifact is JSON naming the feature and the tree's splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from modelward.errors import InputError
from modelward.spec import Task
from modelward.training.families import json_format
from modelward.training.families.base import (
    ALL_TASKS,
    Artifact,
    Family,
    FitData,
    FitOptions,
    Model,
    Params,
    SpaceContext,
)
from modelward.training.families.explaining import Link, MemberContributions, model_as
from modelward.training.families.matrices import float32_grid, rows
from modelward.training.families.params import resolve
from modelward.training.families.registry import register
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # only the search's annotations name optuna
    import optuna

NAME = "one_rule"
DEPTH = 2
MIN_LEAF_SHARE = 0.01  # a rule must cover at least 1% of rows: no single-outlier splits
KEYS = ("task", "n_features", "feature", "feature_name", "left", "right", "threshold",
        "missing_left", "value")  # fmt: skip


@dataclass(frozen=True, eq=False)
class OneRuleModel:
    """A tree over one feature, as arrays: node i splits at `threshold[i]` unless a leaf."""

    task: Task
    n_features: int
    feature: int
    feature_name: str
    left: np.ndarray  # child index, -1 at a leaf
    right: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray  # NaN goes left at this split (sklearn learns it per split)
    value: np.ndarray  # (nodes, K) class shares or (nodes,) means
    family: str = NAME

    @property
    def rounds(self) -> int | None:
        return None

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = float32_grid(rows(x, self.n_features))[:, self.feature]
        node = np.zeros(len(x), dtype=np.int64)
        for _ in range(DEPTH):
            leaf = self.left[node] < 0
            go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            child = np.where(go_left, self.left[node], self.right[node])
            node = np.where(leaf, node, child)
        return np.asarray(self.value[node], dtype=np.float64)

    def export(self) -> Artifact:
        body: dict[str, Any] = {
            "task": self.task.value,
            "n_features": self.n_features,
            "feature": self.feature,
            "feature_name": self.feature_name,
        }
        for key in ("left", "right", "threshold", "missing_left", "value"):
            body[key] = getattr(self, key).tolist()
        return json_format.dump(NAME, body)

    def export_onnx(self) -> Artifact | None:
        return None


def defaults(ctx: SpaceContext) -> Params:
    return {}


def space(trial: optuna.Trial, ctx: SpaceContext) -> Params:
    return {}


def fit(params: Params, data: FitData, options: FitOptions) -> OneRuleModel:
    resolve(NAME, {}, params)
    x = float32_grid(data.X)
    best: tuple[float, int, Any] | None = None
    for j in range(data.n_features):
        tree = _tree(data, options).fit(x[:, [j]], data.y, sample_weight=data.sample_weight)
        gain = float(tree.tree_.compute_feature_importances(normalize=False)[0])
        if best is None or gain > best[0]:
            best = (gain, j, tree)
    if best is None:
        raise InputError.field("X", "0 columns", "at least one feature")
    _, feature, tree = best
    return _from_tree(data, feature, tree)


def _tree(data: FitData, options: FitOptions) -> Any:
    leaf = max(1, int(MIN_LEAF_SHARE * len(data.y)))
    if data.is_classification:
        return DecisionTreeClassifier(
            max_depth=DEPTH, min_samples_leaf=leaf, random_state=options.seed
        )
    return DecisionTreeRegressor(max_depth=DEPTH, min_samples_leaf=leaf, random_state=options.seed)


def _from_tree(data: FitData, feature: int, tree: Any) -> OneRuleModel:
    t = tree.tree_
    if data.is_classification:
        value = np.zeros((t.node_count, data.n_classes))
        shares = t.value[:, 0, :] / t.value[:, 0, :].sum(axis=1, keepdims=True)
        value[:, tree.classes_.astype(np.int64)] = shares
    else:
        value = t.value[:, 0, 0].astype(np.float64)
    return OneRuleModel(
        task=data.task,
        n_features=data.n_features,
        feature=feature,
        feature_name=data.feature_names[feature],
        left=t.children_left.astype(np.int64),
        right=t.children_right.astype(np.int64),
        threshold=t.threshold.astype(np.float64),
        missing_left=t.missing_go_to_left.astype(bool),
        value=value,
    )


def load(artifact: Artifact) -> OneRuleModel:
    doc = json_format.load(artifact, NAME, KEYS)
    return OneRuleModel(
        task=Task(doc["task"]),
        n_features=int(doc["n_features"]),
        feature=int(doc["feature"]),
        feature_name=str(doc["feature_name"]),
        left=np.asarray(doc["left"], dtype=np.int64),
        right=np.asarray(doc["right"], dtype=np.int64),
        threshold=np.asarray(doc["threshold"], dtype=np.float64),
        missing_left=np.asarray(doc["missing_left"], dtype=bool),
        value=np.asarray(doc["value"], dtype=np.float64),
    )


def explain(model: Model, x: np.ndarray, background: np.ndarray) -> MemberContributions:
    """Everything on the rule's one feature, against the root's (training) shares or mean."""
    m = model_as(model, OneRuleModel)
    out = m.predict(x).reshape(len(x), -1)
    base = np.tile(np.atleast_1d(m.value[0]), (len(out), 1))
    values = np.zeros((len(out), x.shape[1], base.shape[1]))
    values[:, m.feature, :] = out - base
    return MemberContributions(values, base, Link.IDENTITY, "one rule: all on its one feature")


FAMILY = register(
    Family(
        name=NAME,
        kind=Kind.BASELINE,
        style=Style.TREE,
        tasks=ALL_TASKS,
        summary="one feature, at most four rules (a depth-2 tree on the most telling feature)",
        boosted=False,
        defaults=defaults,
        space=space,
        fit=fit,
        load=load,
        explain=explain,
        own_base=True,
    )
)
