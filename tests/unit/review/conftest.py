"""A workspace with a gated project, its users, and a registered candidate trained by ana."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

import modelward
from modelward.access.users import Role
from modelward.evaluation.store import save_evaluation
from modelward.registry import ModelVersion, get_model
from modelward.review import add_user
from modelward.spec import parse_spec
from tests.unit.registry.conftest import registrar

SPEC = {
    "name": "churn",
    "task": "binary",
    "target": "churned",
    "gates": ["roc_auc >= 0.80", "fairness.demographic_parity_difference <= 0.10"],
}
PASSING = {"roc_auc": 0.85, "fairness.demographic_parity_difference": 0.04}
TEAM = {"root": Role.ADMIN, "ana": Role.SCIENTIST, "rita": Role.APPROVER, "vic": Role.VIEWER}

As = Callable[[str], AbstractContextManager[modelward.Workspace]]


@pytest.fixture
def as_user(tmp_path: Path) -> As:
    """`with as_user("rita") as ws:` opens the shared workspace acting as rita."""

    def _open(name: str) -> AbstractContextManager[modelward.Workspace]:
        return modelward.open(home=tmp_path / "ws", actor=name)

    return _open


@pytest.fixture
def team(as_user: As) -> None:
    with as_user("root") as ws:
        modelward.create_project(ws, parse_spec(SPEC))
        for name, role in TEAM.items():
            add_user(ws, name, role)


@pytest.fixture
def candidate(team: None, as_user: As) -> Iterator[ModelVersion]:
    """churn/v1, trained (registered) by ana and evaluated with every gate passing."""
    with as_user("ana") as ws:
        model = registrar(ws)()
        evaluate(ws, model.ref, PASSING)
        yield get_model(ws, model.ref)


def evaluate(ws: modelward.Workspace, ref: str, facts: dict[str, float]) -> None:
    save_evaluation(ws, get_model(ws, ref), {"facts": facts}, facts, "<html></html>")


def actions(ws: modelward.Workspace, subject: str) -> list[str]:
    return [e.action for e in reversed(ws.read_events(subject=subject, limit=100))]
