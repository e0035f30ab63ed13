"""Boosted families: early stopping, fixed rounds for the refit, and the deadline."""

from __future__ import annotations

import time

import pytest

from modelward.spec.model import Task
from modelward.training.families import FitOptions, get_family
from modelward.training.families.boosting import MAX_ROUNDS
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem
from tests.unit.training.families.fast import fast_params

BOOSTED = ["lightgbm", "xgboost", "catboost", "hist_gb"]


@pytest.fixture(scope="module")
def churn(small: dict[tuple[Task, Style], Problem]) -> Problem:
    return small[Task.BINARY, Style.TREE]


@pytest.mark.parametrize("name", BOOSTED)
def test_early_stopping_keeps_fewer_rounds_than_the_bound(name: str, churn: Problem) -> None:
    family = get_family(name)
    params = fast_params(family, churn, learning_rate=0.3, n_estimators=MAX_ROUNDS)
    if name == "xgboost":
        params = fast_params(family, churn, eta=0.3)
    model = family.fit(params, churn.data(early_stopping=True), FitOptions(seed=0))
    assert model.rounds is not None
    assert 1 <= model.rounds < 300


@pytest.mark.parametrize("name", BOOSTED)
def test_fixed_rounds_override_params_and_early_stopping(name: str, churn: Problem) -> None:
    family = get_family(name)
    data = churn.data(early_stopping=True)
    model = family.fit(fast_params(family, churn), data, FitOptions(seed=0, rounds=7))
    assert model.rounds == 7


@pytest.mark.parametrize("name", BOOSTED)
def test_a_past_deadline_stops_after_the_first_round(name: str, churn: Problem) -> None:
    family = get_family(name)
    options = FitOptions(seed=0, deadline=time.time() - 1.0)
    for early_stopping in (True, False):
        data = churn.data(early_stopping=early_stopping)
        model = family.fit(fast_params(family, churn), data, options)
        assert model.rounds == 1
        assert model.predict(churn.x_held).shape == (len(churn.held), 2)


def test_a_deadline_ahead_does_not_cut_the_fit(churn: Problem) -> None:
    family = get_family("lightgbm")
    data = churn.data(early_stopping=False)
    options = FitOptions(seed=0, deadline=time.time() + 600.0, rounds=40)
    assert family.fit({}, data, options).rounds == 40
