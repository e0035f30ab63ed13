"""LightGBM's prepared one-row path gives exactly `Booster.predict`'s numbers, for every task."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import lightgbm as lgb
import numpy as np
import pytest

from modelward.spec.model import Task
from modelward.training.families.boost_lightgbm import LightGBMModel
from modelward.training.families.lightgbm_row import SingleRow

ROWS, FEATURES = 600, 6


def _rows() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES))
    x[rng.random(x.shape) < 0.1] = np.nan  # missing values take the trees' default branches
    return x


def _booster(task: Task) -> tuple[lgb.Booster, int]:
    x = _rows()
    params: dict[str, object]
    rng = np.random.default_rng(1)
    if task is Task.BINARY:
        y, params, k = (np.nan_to_num(x[:, 0]) > 0).astype(int), {"objective": "binary"}, 2
    elif task is Task.MULTICLASS:
        y, params, k = rng.integers(0, 3, ROWS), {"objective": "multiclass", "num_class": 3}, 3
    else:
        y, params, k = np.nan_to_num(x[:, 1]) * 2 + rng.normal(size=ROWS), {}, 0
    data = lgb.Dataset(x, y)
    booster = lgb.train({**params, "verbose": -1, "num_threads": 1}, data, num_boost_round=30)
    return booster, k


@pytest.mark.parametrize("task", [Task.BINARY, Task.MULTICLASS, Task.REGRESSION])
def test_one_row_equals_booster_predict(task: Task) -> None:
    booster, _ = _booster(task)
    single = SingleRow.of(booster)
    assert single is not None
    x = _rows()
    for i in range(100):
        expected = booster.predict(x[i : i + 1], num_threads=1)
        assert np.array_equal(single.predict(x[i]), expected)


@pytest.mark.parametrize("task", [Task.BINARY, Task.MULTICLASS, Task.REGRESSION])
def test_model_scores_one_row_as_part_of_a_batch(task: Task) -> None:
    booster, k = _booster(task)
    model = LightGBMModel(booster, task, k)
    x = _rows()
    batch = model.predict(x[:50])
    for i in range(50):
        assert np.array_equal(model.predict(x[i : i + 1]), batch[i : i + 1])


def test_threads_share_one_prepared_predictor() -> None:
    booster, _ = _booster(Task.REGRESSION)
    single = SingleRow.of(booster)
    assert single is not None
    x = _rows()
    expected = booster.predict(x, num_threads=1)
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda i: float(single.predict(x[i])[0]), range(ROWS)))
    assert np.array_equal(np.array(found), expected)


def test_a_model_that_scored_one_row_still_copies_to_a_worker() -> None:
    booster, k = _booster(Task.BINARY)
    model = LightGBMModel(booster, Task.BINARY, k)
    row = _rows()[:1]
    before = model.predict(row)  # prepares the one-row predictor (C pointers)
    # deepcopy goes through the protocol that sends an object to a worker process.
    copied = copy.deepcopy(model)
    assert np.array_equal(copied.predict(row), before)
