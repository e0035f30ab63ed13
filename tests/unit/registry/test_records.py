"""The stage machine and the model record's JSON."""

from __future__ import annotations

import pytest

from modelward.registry import ModelVersion, Stage

C, S, P, A = Stage.CANDIDATE, Stage.STAGING, Stage.PRODUCTION, Stage.ARCHIVED


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (C, S, True),
        (S, P, True),
        (P, A, True),
        (C, A, True),
        (S, A, True),
        (C, P, True),
        (A, P, False),
        (C, C, False),
        (P, S, False),
        (S, C, False),
        (A, C, False),
        (A, A, False),
    ],
)
def test_stages_move_forward_only_and_archived_is_final(
    source: Stage, target: Stage, allowed: bool
) -> None:
    assert source.can_move_to(target) is allowed


def test_next_stage_is_one_step_forward() -> None:
    assert [C.next(), S.next(), P.next(), A.next()] == [S, P, A, A]


def test_model_json_carries_its_ref_and_stage_name() -> None:
    model = ModelVersion(
        id=1,
        project="churn",
        version=3,
        run=None,
        stage=Stage.STAGING,
        task="binary",
        metric="roc_auc",
        score=0.8,
        summary={},
        input_schema={},
        output_schema={},
        manifest_sha256="a" * 64,
        signature="sig",
        key_id="k",
        size_bytes=10,
        created_at="2026-01-01T00:00:00+00:00",
        created_by="ana",
    )
    data = model.to_json()
    assert model.ref == "churn/v3"
    assert data["ref"] == "churn/v3"
    assert data["stage"] == "staging"
