"""Users and roles: an admin first, admins manage, the last admin stays."""

from __future__ import annotations

import pytest

from modelward.access.users import Role
from modelward.errors import Conflict, InputError
from modelward.review import add_user, change_role, users
from tests.unit.review.conftest import As


def test_the_first_user_must_be_an_admin(as_user: As) -> None:
    with as_user("ana") as ws:
        with pytest.raises(Conflict, match="first user must be an admin"):
            add_user(ws, "ana", Role.SCIENTIST)
        add_user(ws, "ana", Role.ADMIN)
        assert [(u.name, u.role) for u in users(ws)] == [("ana", Role.ADMIN)]


def test_only_admins_add_users_and_refusals_are_recorded(team: None, as_user: As) -> None:
    with as_user("rita") as ws:
        with pytest.raises(Conflict, match="only an admin"):
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
