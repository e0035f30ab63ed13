"""Stage moves are compare-and-swap, on SQLite and PostgreSQL: two promotions at once leave one
production version, and a move of a version someone moved meanwhile is a recorded Conflict."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import modelward
from modelward.errors import Conflict
from modelward.permissions import add_user
from modelward.registry import Stage, get_model, list_models
from modelward.review import approve, archive, promote, service as review_service
from modelward.review.facts import gate_report
from modelward.spec import parse_spec
from tests.unit.registry.conftest import registrar
from tests.unit.review.conftest import PASSING, SPEC, TEAM, actions, evaluate

Open = Callable[[str], Any]

PROMOTE = """
import sys, time
import modelward
from modelward.errors import Conflict
from modelward.registry import Stage
from modelward.review import promote
home, store, ref, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
with modelward.open(home=home, store_url=store, actor="ana") as ws:
    time.sleep(max(0.0, start - time.time()))  # both processes promote at the same moment
    try:
        promote(ws, ref, to=Stage.PRODUCTION)
        print("promoted")
    except Conflict as exc:
        print(f"conflict: {exc}")
"""


@pytest.fixture
def as_user(tmp_path: Path, store_url: str) -> Open:
    def _open(name: str) -> Any:
        return modelward.open(home=tmp_path / "ws", store_url=store_url, actor=name)

    with _open("root") as ws:
        modelward.create_project(ws, parse_spec(SPEC))
        for name, role in TEAM.items():
            add_user(ws, name, role)
    with _open("ana") as ws:
        for _ in range(2):
            evaluate(ws, registrar(ws)().ref, PASSING)
    with _open("rita") as ws:
        for ref in ("churn/v1", "churn/v2"):
            approve(ws, ref, comment="both pass their gates")
    return _open


def in_production(as_user: Open) -> list[str]:
    with as_user("ana") as ws:
        return [m.ref for m in list_models(ws, project="churn", stage=Stage.PRODUCTION)]


def test_two_processes_promoting_at_once_leave_one_production_version(
    as_user: Open, tmp_path: Path, store_url: str
) -> None:
    start = time.time() + 3.0
    script = [sys.executable, "-c", textwrap.dedent(PROMOTE), str(tmp_path / "ws"), store_url]
    children = [
        subprocess.Popen(
            [*script, ref, repr(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ref in ("churn/v1", "churn/v2")
    ]
    outcomes = [child.communicate(timeout=120) for child in children]
    assert all(child.returncode == 0 for child in children), outcomes
    said = [out.strip() for out, _ in outcomes]
    assert "promoted" in said  # the first to commit wins; the other replaced it or was refused
    assert all(s == "promoted" or s.startswith("conflict: ") for s in said), said
    assert len(in_production(as_user)) == 1, said


def test_a_later_promotion_replaces_one_that_landed_during_its_checks(
    as_user: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gate_report

    def meanwhile(ws: modelward.Workspace, model: Any) -> Any:
        if model.ref == "churn/v2":  # v1 reaches production while v2's gates are read
            monkeypatch.setattr(review_service, "gate_report", real)
            with as_user("ana") as other:
                promote(other, "churn/v1", to=Stage.PRODUCTION)
        return real(ws, model)

    monkeypatch.setattr(review_service, "gate_report", meanwhile)
    with as_user("ana") as ws:
        change = promote(ws, "churn/v2", to=Stage.PRODUCTION)
        assert change.replaced == "churn/v1"
        assert get_model(ws, "churn/v1").stage is Stage.ARCHIVED
    assert in_production(as_user) == ["churn/v2"]


def test_moving_a_version_someone_moved_meanwhile_is_a_recorded_conflict(
    as_user: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gate_report

    def meanwhile(ws: modelward.Workspace, model: Any) -> Any:
        monkeypatch.setattr(review_service, "gate_report", real)
        with as_user("ana") as other:
            archive(other, "churn/v1", comment="superseded")
        return real(ws, model)

    monkeypatch.setattr(review_service, "gate_report", meanwhile)
    with as_user("ana") as ws:
        with pytest.raises(Conflict, match=r"churn/v1 is no longer candidate: it was moved"):
            promote(ws, "churn/v1", to=Stage.STAGING)
        assert get_model(ws, "churn/v1").stage is Stage.ARCHIVED
        assert actions(ws, "model/churn/v1")[-1] == "model.promote.refused"
