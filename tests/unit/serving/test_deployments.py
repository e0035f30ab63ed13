"""Deployments: only reviewed models take traffic; switches are atomic revisions and events."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelward
from modelward.errors import Conflict, Forbidden, InputError, NotFound
from modelward.registry import Stage, get_model
from modelward.review import promote
from modelward.serving.deployments import (
    create_deployment,
    get_deployment,
    list_deployments,
    promote_canary,
    revisions,
    rollback,
    set_canary,
    set_shadow,
)
from modelward.serving.records import DeploymentOptions, Routes, Validation

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


def actions(ws: modelward.Workspace, name: str) -> list[str]:
    events = ws.read_events(subject=f"deployment/{name}", limit=100)
    return [e.action for e in reversed(events)]


def test_create_serves_a_reviewed_model_as_primary(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        made = create_deployment(ws, "churn-api", "churn/v1")
        assert made.routes == Routes("churn/v1")
        assert made.generation == 1
        assert (
            made.options.validation is Validation.FLAG
        )  # values outside training: scored, flagged
        assert [d.name for d in list_deployments(ws)] == ["churn-api"]
        assert actions(ws, "churn-api") == ["deployment.create"]


def test_an_unreviewed_model_may_not_take_traffic(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        with pytest.raises(
            Conflict, match=r"churn/v3 may not be the primary.*no standing approval"
        ):
            create_deployment(ws, "churn-api", "churn/v3")
        assert actions(ws, "churn-api") == ["deployment.create.refused"]
        create_deployment(ws, "churn-api", "churn/v1")
        with pytest.raises(Conflict, match="may not be the canary"):
            set_canary(ws, "churn-api", "churn/v3", weight=10)
        # a shadow's answers are never returned: any version may shadow
        assert set_shadow(ws, "churn-api", "churn/v3").routes.shadow == "churn/v3"


def test_canary_promote_and_rollback_are_revisions(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
        canary = set_canary(ws, "churn-api", "churn/v2", weight=25)
        assert canary.routes == Routes("churn/v1", "churn/v2", 25.0)
        promoted = promote_canary(ws, "churn-api")
        assert promoted.routes == Routes("churn/v2")
        back = rollback(ws, "churn-api")
        assert back.routes == Routes("churn/v1")
        assert back.generation == 4
        history = revisions(ws, "churn-api")
        assert [r.action for r in history] == ["create", "canary_set", "promote", "rollback"]
        assert [r.routes.primary for r in history] == ["churn/v1"] * 2 + ["churn/v2", "churn/v1"]
        assert actions(ws, "churn-api")[-1] == "deployment.rollback"


def test_rollback_after_a_production_promotion_brings_the_old_version_back(
    served_home: Path,
) -> None:
    with modelward.open(home=served_home, actor="risk-office") as ws:
        promote(ws, "churn/v1", to=Stage.PRODUCTION)
        create_deployment(ws, "churn-api", "churn@production")
        promote(ws, "churn/v2", to=Stage.PRODUCTION)  # archives churn/v1
        set_canary(ws, "churn-api", "churn/v2", weight=50)
        promote_canary(ws, "churn-api")
        with pytest.raises(Conflict, match=r"churn/v1 is archived .* add --reason"):
            rollback(ws, "churn-api")
        back = rollback(ws, "churn-api", reason="v2 answers slowly under load")
        assert back.routes == Routes("churn/v1")
        assert get_model(ws, "churn@production").ref == "churn/v1"
        assert get_model(ws, "churn/v2").stage is Stage.ARCHIVED


def test_rollback_needs_an_earlier_primary(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
        with pytest.raises(Conflict, match="nothing to roll back to"):
            rollback(ws, "churn-api")
        assert rollback(ws, "churn-api", to="churn/v2").routes.primary == "churn/v2"


def test_promote_without_a_canary_is_refused(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
        with pytest.raises(Conflict, match="no canary to promote"):
            promote_canary(ws, "churn-api")


def test_a_viewer_may_not_change_deployments(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
    with modelward.open(home=served_home, actor="vic") as ws:
        with pytest.raises(Forbidden, match="vic is a viewer"):
            set_canary(ws, "churn-api", "churn/v2", weight=10)
        assert actions(ws, "churn-api")[-1] == "deployment.canary_set.refused"
    with (
        modelward.open(home=served_home, actor="stranger") as ws,
        pytest.raises(Forbidden, match="not a registered user"),
    ):
        create_deployment(ws, "other", "churn/v1")


@pytest.mark.parametrize("weight", [0.0, -5.0, 150.0])
def test_a_bad_weight_names_the_flag_and_changes_nothing(served_home: Path, weight: float) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
        with pytest.raises(InputError, match="--weight"):
            set_canary(ws, "churn-api", "churn/v2", weight=weight)
        assert get_deployment(ws, "churn-api").generation == 1


def test_a_bad_name_is_refused(served_home: Path) -> None:
    with (
        modelward.open(home=served_home, actor="ana") as ws,
        pytest.raises(InputError, match="deployment name"),
    ):
        create_deployment(ws, "Bad Name", "churn/v1")


def test_names_and_options_are_checked(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        with pytest.raises(NotFound, match="no deployment 'nope'"):
            get_deployment(ws, "nope")
        with pytest.raises(InputError, match="--round"):
            DeploymentOptions(round_probabilities=9)
        create_deployment(ws, "churn-api", "churn/v1")
        with pytest.raises(Conflict, match="exists"):
            create_deployment(ws, "churn-api", "churn/v2")


def test_rollback_withdraws_a_running_canary_first(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
        set_canary(ws, "churn-api", "churn/v2", weight=30)
        assert rollback(ws, "churn-api").routes == Routes("churn/v1")
