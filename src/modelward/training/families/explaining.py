"""What a family's explainer returns: SHAP contributions of one member in its own output scale.

A family that can explain its models exactly registers an `explain` hook (LightGBM's own
TreeSHAP, a linear model's coefficients, an EBM's term scores); evaluation calls it through
the family registry and falls back to permutation SHAP where a family has none or declines
(returns None). So a new family brings its own explainer, as it brings its own `load`.

Contributions add up exactly to the member's output minus its base: `base + values.sum(axis=1)
== output`, in the member's margin space (log-odds, softmax scores) or, where it outputs
probabilities or values directly, in that space (evaluation moves margins into probabilities).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import numpy as np

from modelward.spec import Task
from modelward.training.families.base import Model


class Link(StrEnum):
    """How a member's margin becomes its prediction."""

    IDENTITY = "identity"  # outputs are the probabilities (one per class) or values themselves
    LOGIT = "logit"  # one margin; p(positive class) = sigmoid(margin)
    SOFTMAX = "softmax"  # one margin per class; p = softmax(margins)


@dataclass(frozen=True, eq=False)
class MemberContributions:
    """`values` (n, F, O): per row, encoded column and output; `base` (n, O): the base margin.

    `base + values.sum(axis=1)` is the member's margin (or output, for IDENTITY) on each row.
    """

    values: np.ndarray
    base: np.ndarray
    link: Link
    method: str  # plain words, e.g. "exact TreeSHAP (LightGBM)"


# (model, encoded rows, encoded background rows) -> contributions, or None: no exact method for
# this model (e.g. native categorical splits shap cannot read), so the caller's fallback runs.
Explain = Callable[[Model, np.ndarray, np.ndarray], MemberContributions | None]

M = TypeVar("M")


def model_as(model: Model, kind: type[M]) -> M:
    """`model` as its family's own class: an explainer reads the library object inside."""
    if not isinstance(model, kind):
        raise TypeError(f"family {model.family!r} has a {type(model).__name__}, not {kind}")
    return model


def split_margins(raw: np.ndarray, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, O, F+1) with the base value last (the boosting libraries' layout) to values, base."""
    per = np.asarray(raw, dtype=np.float64).transpose(0, 2, 1)
    return per[:, :n_features, :], per[:, n_features, :]


def margin_link(task: Task) -> Link:
    """The link of a boosted model's raw scores for `task`."""
    return {Task.BINARY: Link.LOGIT, Task.MULTICLASS: Link.SOFTMAX}.get(task, Link.IDENTITY)
