"""Which version was in production at any moment, and who approved it, from the chain alone."""

from __future__ import annotations

import pytest

from modelward.errors import InputError
from modelward.events.log import utc_now
from modelward.registry import ModelVersion, Stage
from modelward.review import approve, in_production_at, production_history, promote
from tests.unit.registry.conftest import registrar
from tests.unit.review.conftest import PASSING, As, evaluate


def test_history_answers_who_was_live_when(candidate: ModelVersion, as_user: As) -> None:
    before = utc_now()
    with as_user("rita") as ws:
        approve(ws, candidate.ref, comment="v1")
        promote(ws, candidate.ref, to=Stage.PRODUCTION)
    between = utc_now()
    with as_user("ana") as ws:
        second = registrar(ws)()
        evaluate(ws, second.ref, PASSING)
    with as_user("rita") as ws:
        approve(ws, second.ref, comment="v2")
        promote(ws, second.ref, to=Stage.PRODUCTION)
        spells = production_history(ws, "churn")
        assert [(s.model, s.approved_by) for s in spells] == [
            (candidate.ref, "rita"),
            (second.ref, "rita"),
        ]
        assert spells[0].until == spells[1].since
        assert spells[1].until is None
        assert in_production_at(ws, "churn", before) is None
        live = in_production_at(ws, "churn", between)
        assert live is not None
        assert live.model == candidate.ref
        now = in_production_at(ws, "churn", utc_now())
        assert now is not None
        assert now.model == second.ref


def test_a_malformed_moment_names_the_expected_form(candidate: ModelVersion, as_user: As) -> None:
    with as_user("rita") as ws, pytest.raises(InputError, match="--at"):
        in_production_at(ws, "churn", "last tuesday")
