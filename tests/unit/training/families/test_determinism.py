"""Same seed and threads, same predictions, for every family."""

from __future__ import annotations

import numpy as np
import pytest

from modelward.spec.model import Task
from modelward.training.families import Family, FitOptions, all_families
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem
from tests.unit.training.families.fast import fast_params


@pytest.mark.parametrize("family", all_families(), ids=lambda f: f.name)
def test_same_seed_same_predictions(
    family: Family, small: dict[tuple[Task, Style], Problem]
) -> None:
    problem = small[Task.BINARY, family.style]
    params = fast_params(family, problem)
    data = problem.data(early_stopping=family.boosted)
    first = family.fit(params, data, FitOptions(seed=3))
    second = family.fit(params, data, FitOptions(seed=3))
    assert np.array_equal(first.predict(problem.x_held), second.predict(problem.x_held))
    assert first.rounds == second.rounds


@pytest.mark.parametrize("name", ["lightgbm", "random_forest"])
def test_determinism_holds_with_two_threads(
    name: str, small: dict[tuple[Task, Style], Problem]
) -> None:
    family = next(f for f in all_families() if f.name == name)
    problem = small[Task.REGRESSION, family.style]
    data = problem.data(early_stopping=family.boosted)
    options = FitOptions(seed=5, threads=2, rounds=50 if family.boosted else None)
    params = fast_params(family, problem)
    first = family.fit(params, data, options).predict(problem.x_held)
    second = family.fit(params, data, options).predict(problem.x_held)
    assert np.array_equal(first, second)


@pytest.mark.parametrize("name", ["lightgbm", "random_forest", "catboost"])
def test_another_seed_changes_a_randomized_model(
    name: str, small: dict[tuple[Task, Style], Problem]
) -> None:
    family = next(f for f in all_families() if f.name == name)
    problem = small[Task.BINARY, family.style]
    params = fast_params(family, problem)
    if name == "lightgbm":
        params = {**params, "bagging_fraction": 0.7, "feature_fraction": 0.7}
    data = problem.data(early_stopping=family.boosted)
    a = family.fit(params, data, FitOptions(seed=1)).predict(problem.x_held)
    b = family.fit(params, data, FitOptions(seed=2)).predict(problem.x_held)
    assert not np.array_equal(a, b)
