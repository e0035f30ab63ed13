"""Row weights and class balancing reach the libraries."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from modelward.spec.model import Task
from modelward.training.families import FitOptions, get_family
from modelward.training.families.matrices import balanced_weights
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem
from tests.unit.training.families.fast import fast_params


def test_balanced_weights_give_each_class_the_same_total() -> None:
    y = np.array([0, 0, 0, 1])
    w = balanced_weights(y, 2, None)
    assert np.allclose([w[y == 0].sum(), w[y == 1].sum()], [2.0, 2.0])
    assert np.allclose(balanced_weights(y, 2, np.array([1.0, 1.0, 2.0, 1.0]))[3], 2.5)


def test_prior_follows_sample_weights(small: dict[tuple[Task, Style], Problem]) -> None:
    problem = small[Task.BINARY, Style.LINEAR]
    data = problem.data()
    weight = np.where(data.y == 1, 3.0, 1.0)
    model = get_family("prior").fit({}, replace(data, sample_weight=weight), FitOptions(seed=0))
    positives = weight[data.y == 1].sum() / weight.sum()
    assert np.allclose(model.predict(problem.x_held)[:, 1], positives)


@pytest.mark.parametrize(
    "name", ["lightgbm", "xgboost", "catboost", "hist_gb", "random_forest", "linear", "ebm"]
)
def test_balancing_raises_the_minority_class_share(
    name: str, small: dict[tuple[Task, Style], Problem]
) -> None:
    family = get_family(name)
    problem = small[Task.BINARY, family.style]
    data = problem.data(early_stopping=family.boosted)
    options = FitOptions(seed=0, rounds=50 if family.boosted else None)
    plain = family.fit(fast_params(family, problem), data, options)
    balanced = family.fit(fast_params(family, problem, balanced=True), data, options)
    share = float(np.mean(problem.y[problem.fit] == 1))
    assert share < 0.35  # churners are the minority in wa_churn
    assert (
        balanced.predict(problem.x_held)[:, 1].mean() > plain.predict(problem.x_held)[:, 1].mean()
    )
