"""Users and roles: who may review, approve and administer. Stored in the metadata store.

Roles are ordered: each one may do what the ones below it may. The acting user is matched by
name (`MODELWARD_USER` locally, the API token's user on the server).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from modelward.backends.store import users
from modelward.errors import Conflict, InputError, NotFound

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,199}$")


class Role(StrEnum):
    """What a user may do, each role including the ones before it."""

    VIEWER = "viewer"  # read everything but the logged inputs of served requests
    REPORTER = "reporter"  # report true outcomes (feedback): a business system's account
    SCIENTIST = "scientist"  # train, evaluate, move models to staging, read logged requests
    APPROVER = "approver"  # approve or reject models, promote approved ones to production
    ADMIN = "admin"  # manage users, override a failing review with a written justification

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return _RANKS[self] >= _RANKS[needed]  # asked on every request

    @classmethod
    def parse(cls, text: str, *, field: str = "--role") -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError.field(field, text, " | ".join(r.value for r in cls)) from None


_RANKS = {role: i for i, role in enumerate(Role)}


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not USER_NAME.match(name.strip()):
        raise InputError.field(
            "user name", name, "letters, digits and _ . @ + -, starting with a letter or digit"
        )
    return name.strip()


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def find_user(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    return None if row is None else _record(row._mapping)


def get_user(conn: Connection, name: str) -> User:
    user = find_user(conn, name)
    if user is None:
        raise NotFound(f"user {name!r} not found; see `modelward users list`")
    return user


def list_users(conn: Connection) -> list[User]:
    rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [_record(row._mapping) for row in rows]


def insert_user(conn: Connection, *, name: str, role: Role, by: str, at: str) -> User:
    if find_user(conn, name) is not None:
        raise Conflict(f"user {name!r} exists already; change a role with `users set-role`")
    conn.execute(insert(users).values(name=name, role=role.value, created_at=at, created_by=by))
    return get_user(conn, name)


def set_role(conn: Connection, name: str, role: Role) -> User:
    get_user(conn, name)
    conn.execute(update(users).where(users.c.name == name).values(role=role.value))
    return get_user(conn, name)


def _record(row: Any) -> User:
    return User(row["name"], Role(row["role"]), row["created_at"], row["created_by"])
