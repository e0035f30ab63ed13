"""User administration: who may review and approve. Only an admin adds users or changes roles,
except for the very first user, who must be an admin (the workspace's bootstrap).
"""

from __future__ import annotations

from modelward.access import (
    Role,
    User,
    check_user_name,
    count_users,
    insert_user,
    list_users,
    set_role,
)
from modelward.errors import Conflict
from modelward.events import utc_now
from modelward.permissions.service import refuse, require
from modelward.workspace import Workspace


def add_user(ws: Workspace, name: str, role: Role) -> User:
    """Register `name` with `role`; the acting user must be an admin (or this is the first)."""
    name = check_user_name(name)
    with ws.transaction() as conn:
        first = count_users(conn) == 0
    if first and role is not Role.ADMIN:
        reason = f"the first user must be an admin: `modelward users add {name} --role admin`"
        refuse(ws, "user.add", f"user/{name}", reason, Conflict)
    if not first:
        require(ws, "user.add", f"user/{name}")
    with ws.transaction() as conn:
        user = insert_user(conn, name=name, role=role, by=ws.actor, at=utc_now())
        ws.record(conn, "user.added", f"user/{name}", {"role": role.value, "first": first})
    return user


def change_role(ws: Workspace, name: str, role: Role) -> User:
    """Give `name` another role; only an admin may, and the last admin stays one."""
    name = check_user_name(name)
    require(ws, "user.set_role", f"user/{name}")
    with ws.transaction() as conn:
        admins = [u.name for u in list_users(conn) if u.role is Role.ADMIN]
    if role is not Role.ADMIN and admins == [name]:
        reason = f"{name} is the last admin; add another first"
        refuse(ws, "user.set_role", f"user/{name}", reason, Conflict)
    with ws.transaction() as conn:
        user = set_role(conn, name, role)
        ws.record(conn, "user.role_changed", f"user/{name}", {"role": role.value})
    return user


def all_users(ws: Workspace) -> list[User]:
    with ws.transaction() as conn:
        return list_users(conn)
