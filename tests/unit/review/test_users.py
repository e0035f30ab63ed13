"""Users and roles: an admin first, admins manage, the last admin stays."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelward
from modelward.access.users import Role
from modelward.errors import Conflict, Forbidden, InputError
from modelward.permissions.users import add_user, all_users, change_role
from modelward.spec import parse_spec
from modelward.spec.service import update_project
from tests.unit.review.conftest import SPEC, As

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


def test_the_first_user_must_be_an_admin(as_user: As) -> None:
    with as_user("ana") as ws:
        with pytest.raises(Conflict, match="first user must be an admin"):
            add_user(ws, "ana", Role.SCIENTIST)
        add_user(ws, "ana", Role.ADMIN)
        assert [(u.name, u.role) for u in all_users(ws)] == [("ana", Role.ADMIN)]


def test_only_admins_add_users_and_refusals_are_recorded(team: None, as_user: As) -> None:
    with as_user("rita") as ws:
        with pytest.raises(Forbidden, match="rita is an approver and may not manage users"):
            add_user(ws, "eve", Role.ADMIN)
        assert ws.read_events(limit=1)[0].action == "user.add.refused"


def test_the_last_admin_keeps_the_role(team: None, as_user: As) -> None:
    with as_user("root") as ws, pytest.raises(Conflict, match="last admin"):
        change_role(ws, "root", Role.VIEWER)


def test_names_and_roles_are_checked(team: None, as_user: As) -> None:
    with as_user("root") as ws:
        with pytest.raises(InputError, match="user name"):
            add_user(ws, "bad name!", Role.VIEWER)
        with pytest.raises(InputError, match=r"viewer \| reporter \| scientist"):
            Role.parse("boss")
        with pytest.raises(Conflict, match="exists already"):
            add_user(ws, "rita", Role.VIEWER)


def test_specs_and_data_need_a_scientist_once_users_exist(
    team: None, as_user: As, tmp_path: Path
) -> None:
    """The CLI's identity is whoever MODELWARD_USER names, but a viewer so named changes
    nothing: spec changes and data additions check the role, and a refusal is on record."""
    csv = tmp_path / "rows.csv"
    csv.write_text("churned,x\n1,2\n0,3\n")
    with as_user("vic") as ws:
        with pytest.raises(Forbidden, match="vic is a viewer and may not create projects"):
            modelward.create_project(ws, parse_spec({**SPEC, "name": "other"}))
        with pytest.raises(Forbidden, match="may not change project specs"):
            update_project(ws, parse_spec({**SPEC, "description": "mine now"}))
        with pytest.raises(Forbidden, match="may not add data"):
            modelward.add_dataset(ws, csv, name="rows")
        refused = {e.action for e in ws.read_events(limit=10)}
    assert {"project.create.refused", "project.update.refused", "dataset.add.refused"} <= refused
    with as_user("ana") as ws:
        changed = update_project(ws, parse_spec({**SPEC, "description": "now"}))
        event = ws.read_events(action="project.updated", limit=1)[0]
    assert changed.spec.description == "now"
    assert event.payload_data()["changed"] == ["description"]
