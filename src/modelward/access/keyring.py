"""The key registry: each member's public signing key, kept in the shared store.

Every home (a person's laptop, a server) signs with its own private key, which never leaves it;
the public half is registered here with its owner, so any member verifies what any other signed.
A key is `active`, `retired` (rotated out: what it signed stays valid, it signs nothing more) or
`revoked` (distrusted: what it signed is refused). A `service` key belongs to a server that
authenticates its callers by token and writes on their behalf; a `person` key only ever acts as
its owner. Team mode, a setting of the store and not of any home, binds every write to the
actor's own registered key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError as RowConflict

from modelward.access.keys import SigningKey, VerifyKey
from modelward.backends.store import signing_keys, store_settings
from modelward.errors import Forbidden, IntegrityError

TEAM_SETTING = "team"


class KeyStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


class KeyKind(StrEnum):
    PERSON = "person"  # signs only as its owner
    SERVICE = "service"  # a server that signs for the callers its tokens authenticate


@dataclass(frozen=True)
class RegisteredKey:
    key_id: str
    owner: str
    kind: KeyKind
    public_pem: str
    registered_at: str
    registered_by: str
    status: KeyStatus
    changed_at: str | None = None
    changed_by: str | None = None
    reason: str | None = None
    confirmed_by: str | None = None  # the admin who vouched for it; None: self-registered

    @property
    def verify_key(self) -> VerifyKey:
        return _parsed(self.public_pem)

    def verify(self, data: bytes, signature_b64: str) -> None:
        """`VerifyKey.verify` with this key; `IntegrityError` when it did not sign `data`."""
        self.verify_key.verify(data, signature_b64)

    def may_act_as(self, actor: str) -> bool:
        return self.owner == actor or self.kind is KeyKind.SERVICE

    def registration(self) -> dict[str, str]:
        """What the chain records of this key: `audit verify` trusts it over the table."""
        return {
            "key_id": self.key_id,
            "owner": self.owner,
            "kind": self.kind.value,
            "public_pem": self.public_pem,
        }

    def describe(self) -> str:
        """`key 1f5e… of bob`, as refusals name it."""
        return f"key {self.key_id} of {self.owner}"

    def why_not_active(self) -> str:
        """Why this key may sign nothing more (call only when it is not active)."""
        text = (
            f"{self.describe()} was {self.status.value} at {self.changed_at} by {self.changed_by}"
        )
        return f"{text} ({self.reason})" if self.reason else text

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "owner": self.owner,
            "kind": self.kind.value,
            "status": self.status.value,
            "registered_at": self.registered_at,
            "registered_by": self.registered_by,
            "changed_at": self.changed_at,
            "changed_by": self.changed_by,
            "reason": self.reason,
            "confirmed_by": self.confirmed_by,
            "public_pem": self.public_pem,
        }


def find_key(conn: Connection, key_id: str) -> RegisteredKey | None:
    row = conn.execute(_FIND.where(signing_keys.c.key_id == key_id)).first()
    return None if row is None else _record(row._mapping)


def list_keys(conn: Connection, *, owner: str | None = None) -> list[RegisteredKey]:
    query = select(signing_keys).order_by(signing_keys.c.owner, signing_keys.c.registered_at)
    if owner is not None:
        query = query.where(signing_keys.c.owner == owner)
    return [_record(row._mapping) for row in conn.execute(query)]


def insert_key(
    conn: Connection,
    key: VerifyKey,
    *,
    owner: str,
    kind: KeyKind,
    by: str,
    at: str,
    confirmed: bool,
) -> RegisteredKey | None:
    """Register `key` (`confirmed`: by an admin); None when it is registered already."""
    values = {
        "confirmed_by": by if confirmed else None,
        "key_id": key.key_id,
        "owner": owner,
        "kind": kind.value,
        "public_pem": key.public_pem(),
        "registered_at": at,
        "registered_by": by,
        "status": KeyStatus.ACTIVE.value,
    }
    try:
        with conn.begin_nested():  # a savepoint: a lost race must not end the caller's work
            conn.execute(insert(signing_keys).values(**values))
    except RowConflict:
        return None
    return find_key(conn, key.key_id)


def set_status(
    conn: Connection, key_id: str, status: KeyStatus, *, by: str, at: str, reason: str | None
) -> None:
    conn.execute(
        update(signing_keys)
        .where(signing_keys.c.key_id == key_id)
        .values(status=status.value, changed_at=at, changed_by=by, reason=reason)
    )


def team_mode(conn: Connection) -> bool:
    """Whether every write must be signed by its actor's own registered key."""
    row = conn.execute(_TEAM).first()
    return row is not None and row.value == "on"


def confirm_key(conn: Connection, key_id: str, *, by: str) -> None:
    conn.execute(
        update(signing_keys).where(signing_keys.c.key_id == key_id).values(confirmed_by=by)
    )


def set_team_mode(conn: Connection, on: bool, *, by: str, at: str) -> None:
    value = "on" if on else "off"
    moved = conn.execute(
        update(store_settings)
        .where(store_settings.c.name == TEAM_SETTING)
        .values(value=value, set_at=at, set_by=by)
    )
    if not moved.rowcount:
        conn.execute(
            insert(store_settings).values(name=TEAM_SETTING, value=value, set_at=at, set_by=by)
        )


@dataclass(frozen=True)
class Standing:
    """What a write may do with this home's key: sign each event (team mode), and the key's
    registration when this write made it (the caller records it as an event)."""

    team: bool
    key: RegisteredKey
    registered_now: bool = False

    def settled(self) -> Standing:
        """This standing once its registration is on record."""
        return Standing(self.team, self.key)


def standing(
    conn: Connection,
    signer: SigningKey,
    *,
    actor: str,
    vouched: bool,
    at: str,
) -> Standing:
    """Whether `signer` may write as `actor` now; registers an unknown key outside team mode.

    Call it holding the chain's head lock: a team switched on, or a key revoked, by a write that
    committed first is then seen here, and no event lands after it unsigned or wrongly signed.
    `vouched` says a server authenticated `actor` by token and writes on their behalf. Raises
    `Forbidden` naming the key and the fix; the caller's transaction then writes nothing."""
    found = _read_standing(conn, signer, actor=actor, vouched=vouched, at=at)
    check_may_write(found, actor=actor, vouched=vouched)
    return found


def _read_standing(
    conn: Connection, signer: SigningKey, *, actor: str, vouched: bool, at: str
) -> Standing:
    # One statement on the common path: the key's row with the team flag beside it.
    row = conn.execute(_STANDING, {"key_id": signer.key_id}).first()
    if row is not None:
        return Standing(row.team_value == "on", _record(row._mapping))
    team = team_mode(conn)
    if team:
        raise Forbidden(
            f"this home's signing key {signer.key_id} is not registered in the workspace, and "
            "team mode accepts only registered keys: run `modelward keys show` and send its "
            f"public key to an admin, who runs `modelward keys add {actor} FILE`"
        )
    # A server writing for a token's caller is not that caller: its key registers as the
    # service it is, under a name of its own, for an admin to confirm before team mode.
    owner, kind = (actor, KeyKind.PERSON)
    if vouched:
        owner, kind = f"service-{signer.key_id[:8]}", KeyKind.SERVICE
    key = insert_key(
        conn, signer.verify_key, owner=owner, kind=kind, by=actor, at=at, confirmed=False
    )
    if key is None:  # another process of this home registered it a moment ago
        return Standing(team, _must_find(conn, signer.key_id))
    return Standing(team, key, registered_now=True)


def check_may_write(found: Standing, *, actor: str, vouched: bool) -> None:
    key = found.key
    if key.status is not KeyStatus.ACTIVE:
        raise Forbidden(
            f"this home's signing {key.why_not_active()} and signs nothing more: "
            "`modelward keys rotate` makes a new one"
        )
    if not found.team:
        return
    if key.confirmed_by is None:
        raise Forbidden(
            f"this home's signing {key.describe()} registered itself before team mode, and no "
            f"admin has confirmed it: an admin runs `modelward keys confirm {key.key_id}` "
            "(or revokes it)"
        )
    if key.owner == actor or (vouched and key.kind is KeyKind.SERVICE):
        return
    if key.kind is KeyKind.SERVICE:
        raise Forbidden(
            f"this home's signing {key.describe()} is a service key: it acts only for callers "
            "a server authenticated by token, never for a name given on the command line"
        )
    raise Forbidden(
        f"this home's signing {key.describe()} may act only as {key.owner}, not as {actor}: "
        f"in team mode each person acts from a home with their own registered key"
    )


def _must_find(conn: Connection, key_id: str) -> RegisteredKey:
    key = find_key(conn, key_id)
    if key is None:  # the insert just conflicted on this id: it cannot be gone
        raise IntegrityError(f"signing key {key_id} vanished during its registration; try again")
    return key


_FIND = select(signing_keys)
_TEAM = select(store_settings.c.value).where(store_settings.c.name == TEAM_SETTING)
_STANDING = select(signing_keys, _TEAM.scalar_subquery().label("team_value")).where(
    signing_keys.c.key_id == bindparam("key_id")
)


@functools.lru_cache(maxsize=256)
def _parsed(public_pem: str) -> VerifyKey:
    return VerifyKey.from_pem(public_pem)


def _record(row: Any) -> RegisteredKey:
    return RegisteredKey(
        key_id=row["key_id"],
        owner=row["owner"],
        kind=KeyKind(row["kind"]),
        public_pem=row["public_pem"],
        registered_at=row["registered_at"],
        registered_by=row["registered_by"],
        status=KeyStatus(row["status"]),
        changed_at=row["changed_at"],
        changed_by=row["changed_by"],
        reason=row["reason"],
        confirmed_by=row["confirmed_by"],
    )
