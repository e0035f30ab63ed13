"""An approval approves the decision policy of the evaluation it was given on: evaluating the
model again changes no decision until someone approves again."""

from __future__ import annotations

from modelward.model.evaluations import latest_evaluation, policy_evaluation
from modelward.registry import ModelVersion
from modelward.review import approve, reject, reviews_of
from tests.unit.review.conftest import PASSING, As, evaluate


def test_the_approved_evaluation_decides_until_a_new_approval(
    candidate: ModelVersion, as_user: As
) -> None:
    with as_user("rita") as ws:
        first = latest_evaluation(ws, candidate)
        assert first is not None
        approved = approve(ws, candidate.ref, comment="within policy")
        assert approved.evaluation == first.id
    with as_user("ana") as ws:
        evaluate(ws, candidate.ref, PASSING)
        second = latest_evaluation(ws, candidate)
        assert second is not None
        assert second.id != first.id
        applied = policy_evaluation(ws, candidate)
        assert applied is not None
        assert applied.id == first.id  # still the approved one
    with as_user("rita") as ws:
        reject(ws, candidate.ref, comment="look again")
        withdrawn = policy_evaluation(ws, candidate)
        assert withdrawn is not None
        assert withdrawn.id == second.id  # no standing approval: the newest evaluation
        approve(ws, candidate.ref, comment="the new policy is fine")
        again = policy_evaluation(ws, candidate)
        assert again is not None
        assert again.id == second.id
        assert [r.evaluation for r in reviews_of(ws, candidate.ref)] == [
            first.id,
            second.id,
            second.id,
        ]
