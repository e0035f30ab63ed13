"""Real data sets, encoded once per session by the crude encoders in `data.py`."""

from __future__ import annotations

import pytest

from modelward.spec.model import Task
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem, load

SMALL_ROWS = 1500  # wa_churn rows for the fit-every-family tests; ONNX checks use all rows


@pytest.fixture(scope="session")
def small() -> dict[tuple[Task, Style], Problem]:
    """Every task in both encodings: wa_churn (sampled), iris, Boston."""
    return {
        (task, style): load(task, style, rows=SMALL_ROWS if task is Task.BINARY else None)
        for task in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION)
        for style in (Style.TREE, Style.LINEAR)
    }


@pytest.fixture(scope="session")
def churn_tree() -> Problem:
    return load(Task.BINARY, Style.TREE)


@pytest.fixture(scope="session")
def churn_linear() -> Problem:
    return load(Task.BINARY, Style.LINEAR)
