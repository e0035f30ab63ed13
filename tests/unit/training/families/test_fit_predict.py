"""Every family fits every task it claims, predicts the right shapes, and loads back the same."""

from __future__ import annotations

import numpy as np
import pytest

from modelward.spec.model import Task
from modelward.training.families import Family, FitOptions, all_families
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem
from tests.unit.training.families.fast import fast_params

CASES = [
    pytest.param(f, task, id=f"{f.name}-{task.value}")
    for f in all_families()
    for task in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION)
    if task in f.tasks
]


@pytest.mark.parametrize(("family", "task"), CASES)
def test_fit_predict_export_load(
    family: Family, task: Task, small: dict[tuple[Task, Style], Problem]
) -> None:
    problem = small[task, family.style]
    data = problem.data(early_stopping=family.boosted)
    model = family.fit(fast_params(family, problem), data, FitOptions(seed=0))
    assert model.family == family.name
    pred = model.predict(problem.x_held)
    n = len(problem.held)
    assert pred.dtype == np.float64
    if task is Task.REGRESSION:
        assert pred.shape == (n,)
        assert np.all(np.isfinite(pred))
    else:
        assert pred.shape == (n, problem.n_classes)
        assert np.allclose(pred.sum(axis=1), 1.0)
        assert np.all((pred >= 0) & (pred <= 1))
    assert (model.rounds is not None) == family.boosted
    artifact = model.export()
    assert artifact.format in {"lightgbm", "xgboost", "catboost", "skops", "json"}
    loaded = family.load(artifact)
    assert np.array_equal(loaded.predict(problem.x_held), pred)
    assert loaded.rounds == model.rounds


def test_models_beat_the_prior_on_churn(small: dict[tuple[Task, Style], Problem]) -> None:
    """A sanity check that the encodings reach the models: real signal, not noise."""
    from sklearn.metrics import roc_auc_score

    from modelward.training.families import get_family

    problem = small[Task.BINARY, Style.TREE]
    y = problem.y[problem.held]
    model = get_family("lightgbm").fit({}, problem.data(early_stopping=True), FitOptions(seed=0))
    assert roc_auc_score(y, model.predict(problem.x_held)[:, 1]) > 0.75
