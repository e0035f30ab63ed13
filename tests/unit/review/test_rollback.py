"""Rolling production back after a promotion archived the version before: an approver brings
it back on its standing approval, with a reason on the record, and history shows it live again."""

from __future__ import annotations

import json

import pytest

from modelward.errors import Conflict, Forbidden, InputError
from modelward.registry import ModelVersion, Stage, get_model
from modelward.review import (
    approve,
    production_history,
    promote,
    reject,
    rollback_production,
)
from tests.unit.registry.conftest import registrar
from tests.unit.review.conftest import As, evaluate


def two_production_versions(candidate: ModelVersion, as_user: As) -> str:
    """v1 went to production, then v2 replaced (and archived) it; v2's ref."""
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="v1 ok")
        promote(ws, candidate.ref, to=Stage.PRODUCTION)
    return replace_production(as_user)


def replace_production(as_user: As) -> str:
    """A new version, approved into production in place of the current one; its ref."""
    with as_user("ana") as ws:
        second = registrar(ws)()
        evaluate(ws, second.ref, {"roc_auc": 0.9, "fairness.demographic_parity_difference": 0.0})
    with as_user("rita") as ws:
        approve(ws, second.ref, comment="v2 better")
        promote(ws, second.ref, to=Stage.PRODUCTION)
    return second.ref


def test_an_approver_rolls_production_back_on_the_earlier_approval(
    candidate: ModelVersion, as_user: As
) -> None:
    second = two_production_versions(candidate, as_user)
    with as_user("rita") as ws:
        change = rollback_production(ws, "churn", reason="v2 mis-scores new contracts")
        assert (change.model, change.replaced) == (candidate.ref, second)
        assert change.approval is not None
        assert change.approval.actor == "rita"
        assert get_model(ws, "churn@production").ref == candidate.ref
        assert get_model(ws, second).stage is Stage.ARCHIVED
        event = ws.read_events(subject=f"model/{candidate.ref}", limit=1)[0]
        spells = production_history(ws, "churn")
    payload = json.loads(event.payload)
    assert payload["rollback"] == "v2 mis-scores new contracts"
    assert payload["approved_by"] == "rita"
    assert [s.model for s in spells] == [candidate.ref, second, candidate.ref]


def test_a_rollback_is_refused_with_the_reason(candidate: ModelVersion, as_user: As) -> None:
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="v1 ok")
        promote(ws, candidate.ref, to=Stage.PRODUCTION)
        with pytest.raises(Conflict, match="replaced no production version"):
            rollback_production(ws, "churn", reason="nothing before it")
    replace_production(as_user)
    with as_user("ana") as ws, pytest.raises(Forbidden, match="roll production back"):
        rollback_production(ws, "churn", reason="a scientist tries")
    with as_user("rita") as ws:
        with pytest.raises(InputError, match="--reason"):
            rollback_production(ws, "churn", reason="  ")
        assert get_model(ws, "churn@production").ref != candidate.ref  # nothing moved


def test_a_version_rejected_since_its_approval_may_not_return(
    candidate: ModelVersion, as_user: As
) -> None:
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="v1 ok")
        promote(ws, candidate.ref, to=Stage.PRODUCTION)
        reject(ws, candidate.ref, comment="found a leak in v1 after all")
    replace_production(as_user)
    with as_user("rita") as ws, pytest.raises(Conflict, match="no standing approval"):
        rollback_production(ws, "churn", reason="back please")
