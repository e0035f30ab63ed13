"""Approvals with separation of duties, gated promotion, overrides, and every refusal on record."""

from __future__ import annotations

import json

import pytest

from modelward.access.users import Role
from modelward.errors import Conflict, Forbidden, InputError
from modelward.permissions import change_role
from modelward.registry import ModelVersion, Stage, get_model
from modelward.review import approve, archive, promote, reject
from modelward.spec.service import get_project, update_project
from tests.unit.registry.conftest import registrar
from tests.unit.review.conftest import As, actions, evaluate


def test_an_approver_approves_and_the_model_goes_to_production(
    candidate: ModelVersion, as_user: As
) -> None:
    with as_user("rita") as ws:
        review = approve(ws, candidate.ref, comment="AUC and fairness within policy")
        change = promote(ws, candidate.ref, to=Stage.PRODUCTION)
        assert review.gates.passed
        assert change.approval is not None
        assert change.approval.actor == "rita"
        assert get_model(ws, "churn@production").ref == candidate.ref
        assert actions(ws, f"model/{candidate.ref}")[-2:] == [
            "model.approved",
            "model.stage_changed",
        ]
        assert ws.verify_events().ok


def test_approving_ones_own_model_is_refused_and_recorded(
    candidate: ModelVersion, as_user: As
) -> None:
    with as_user("root") as ws:
        change_role(ws, "ana", Role.APPROVER)
    with as_user("ana") as ws:
        with pytest.raises(Forbidden, match="separation of duties"):
            approve(ws, candidate.ref, comment="looks great to me")
        assert "model.approve.refused" in actions(ws, f"model/{candidate.ref}")


@pytest.mark.parametrize(("who", "why"), [("vic", "viewer"), ("mallory", "not a registered")])
def test_only_approvers_approve(candidate: ModelVersion, as_user: As, who: str, why: str) -> None:
    with as_user(who) as ws:
        with pytest.raises(Forbidden, match=why):
            approve(ws, candidate.ref, comment="fine")
        assert actions(ws, f"model/{candidate.ref}")[-1] == "model.approve.refused"


def test_a_failing_gate_blocks_production_even_when_approved(
    candidate: ModelVersion, as_user: As
) -> None:
    with as_user("ana") as ws:
        evaluate(
            ws, candidate.ref, {"roc_auc": 0.74, "fairness.demographic_parity_difference": 0.0}
        )
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="approved pending gates")
        with pytest.raises(Conflict, match=r"roc_auc >= 0.8: fails with 0.74"):
            promote(ws, candidate.ref, to=Stage.PRODUCTION)
        assert get_model(ws, candidate.ref).stage is Stage.CANDIDATE
        assert actions(ws, f"model/{candidate.ref}")[-1] == "model.promote.refused"


def test_no_approval_blocks_production(candidate: ModelVersion, as_user: As) -> None:
    with as_user("rita") as ws, pytest.raises(Conflict, match="no standing approval"):
        promote(ws, candidate.ref, to=Stage.PRODUCTION)


def test_a_rejection_withdraws_an_earlier_approval(candidate: ModelVersion, as_user: As) -> None:
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="ok")
        reject(ws, candidate.ref, comment="found leakage in total_charges")
        with pytest.raises(Conflict, match="no standing approval"):
            promote(ws, candidate.ref, to=Stage.PRODUCTION)


@pytest.mark.parametrize(
    ("who", "justification", "error", "match"),
    [
        ("root", "", InputError, "justification"),
        ("root", "ok", InputError, "at least 20 characters"),
        (
            "rita",
            "the fairness gap is a true base-rate difference",
            Forbidden,
            "may not override a review: that needs the admin role",
        ),
    ],
)
def test_overrides_need_an_admin_and_a_written_reason(
    candidate: ModelVersion,
    as_user: As,
    who: str,
    justification: str,
    error: type[Exception],
    match: str,
) -> None:
    with as_user(who) as ws:
        with pytest.raises(error, match=match):
            promote(ws, candidate.ref, to=Stage.PRODUCTION, override=justification)
        assert actions(ws, f"model/{candidate.ref}")[-1] == "model.override.refused"
        assert get_model(ws, candidate.ref).stage is Stage.CANDIDATE


def test_an_admin_override_is_recorded_with_its_justification(
    candidate: ModelVersion, as_user: As
) -> None:
    reason = "regulator-mandated model swap agreed in the risk committee on 2026-11-30"
    with as_user("root") as ws:
        promote(ws, candidate.ref, to=Stage.PRODUCTION, override=reason)
        event = ws.read_events(subject=f"model/{candidate.ref}", limit=1)[0]
        assert json.loads(event.payload)["override"] == reason


def test_production_replaces_and_archives_the_previous_version(
    candidate: ModelVersion, as_user: As
) -> None:
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="v1 ok")
        promote(ws, candidate.ref, to=Stage.PRODUCTION)
    with as_user("ana") as ws:
        second = registrar(ws)()
        evaluate(ws, second.ref, {"roc_auc": 0.9, "fairness.demographic_parity_difference": 0.0})
        promote(ws, second.ref)  # candidate -> staging needs no approval
        assert get_model(ws, second.ref).stage is Stage.STAGING
    with as_user("rita") as ws:
        approve(ws, second.ref, comment="v2 better")
        change = promote(ws, second.ref)
        assert change.replaced == candidate.ref
        assert get_model(ws, candidate.ref).stage is Stage.ARCHIVED
        assert get_model(ws, "churn@production").ref == second.ref


def test_stages_only_move_forward(candidate: ModelVersion, as_user: As) -> None:
    with as_user("ana") as ws:
        archive(ws, candidate.ref, comment="superseded")
        with pytest.raises(Conflict, match="archived"):
            promote(ws, candidate.ref, to=Stage.STAGING)


def test_viewers_cannot_move_models(candidate: ModelVersion, as_user: As) -> None:
    with as_user("vic") as ws, pytest.raises(Forbidden, match="viewer"):
        promote(ws, candidate.ref)


def test_a_spec_that_names_approvers_admits_only_them(candidate: ModelVersion, as_user: As) -> None:
    with as_user("root") as ws:
        spec = get_project(ws, "churn").spec
        update_project(ws, spec.model_copy(update={"approvers": ("olga",)}))
    with as_user("rita") as ws:
        with pytest.raises(Forbidden, match="not an approver of project churn"):
            approve(ws, candidate.ref, comment="fine by me")
        assert actions(ws, f"model/{candidate.ref}")[-1] == "model.approve.refused"


def test_a_serving_model_is_not_archived_behind_its_deployment(
    candidate: ModelVersion, as_user: As
) -> None:
    from modelward.serving.deployments import create_deployment

    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="fine")
    with as_user("ana") as ws:
        create_deployment(ws, "api", candidate.ref)
        with pytest.raises(Conflict, match=r"is the primary of deployment\(s\) api"):
            archive(ws, candidate.ref, comment="retire")
        assert actions(ws, f"model/{candidate.ref}")[-1] == "model.archive.refused"
