"""Append to, read and verify the event chain stored in the metadata store.

Each event carries the hash of the one before, so an edit, a deletion or a reordering inside
the chain breaks a link. Someone able to write the store could still rewrite an event and
rehash everything after it, renumber the chain, or cut its tail and move the head back. Two
things stop that: the head row carries the workspace key's signature over its seq and hash,
which only the key's holder can make again for a rewritten chain (`HeadSigner`, checked by a
`HeadChecker`); and each successful verification leaves an `Anchor` outside the store (the
workspace folder keeps it), so a chain cut back below, or rewritten before, what this machine
once verified no longer matches it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, select, update

from modelward.backends.store import chain_head, events
from modelward.events.chain import (
    GENESIS,
    Event,
    canonical_json,
    event_hash,
    event_message,
    expected_hash,
)

HEAD_ID = 1
PAGE = 5_000
# Team mode is on from the event that enables it to the event that disables it, both included:
# every event in between carries its actor's signature.
TEAM_ON = "team.enabled"
TEAM_OFF = "team.disabled"
KEY_REGISTERED = "key.registered"
KEY_REVOKED = "key.revoked"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class HeadSigner(Protocol):
    """Signs the chain head (the workspace's key)."""

    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> str: ...


class KnownKey(Protocol):
    """A registered public key: `verify` raises on a signature it did not make."""

    @property
    def key_id(self) -> str: ...

    @property
    def owner(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def may_act_as(self, actor: str) -> bool: ...

    def verify(self, data: bytes, signature_b64: str) -> None: ...


class KeyLookup(Protocol):
    """The registered key of an id (None when no key has it), and whether it is revoked."""

    def find(self, key_id: str) -> KnownKey | None: ...

    def revoked(self, key_id: str) -> str | None:
        """Why `key_id` is distrusted (who revoked it, when), or None."""
        ...


@dataclass(frozen=True)
class Anchor:
    """A chain state this machine verified: event `seq` had hash `hash`, at `time`."""

    seq: int
    hash: str
    time: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "time": self.time}


def head_message(seq: int, head_hash: str) -> bytes:
    """What the head's signature covers."""
    return f"modelward-chain-head:{seq}:{head_hash}".encode("ascii")


def head_seq(conn: Connection) -> int:
    """The newest event's number (0 before the first), read without locking: it moves with
    every recorded change, so what was read from the store before it moved is still true."""
    return int(conn.execute(_PEEK_HEAD).scalar() or 0)


# Statements built once: constructing SQLAlchemy expressions costs more than running them.
_READ_HEAD = (
    select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == HEAD_ID).with_for_update()
)
_PEEK_HEAD = select(chain_head.c.seq).where(chain_head.c.id == HEAD_ID)
_INSERT_EVENT = insert(events)
_UPDATE_HEAD = (
    update(chain_head)
    .where(chain_head.c.id == HEAD_ID)
    .values(
        seq=bindparam("new_seq"),
        hash=bindparam("new_hash"),
        signature=bindparam("new_signature"),
        key_id=bindparam("new_key_id"),
    )
)


def lock_head(conn: Connection) -> tuple[int, str]:
    """Take the chain's head lock for the rest of the caller's transaction and return the head
    (seq, hash): what a writer reads after this, another writer's committed change included,
    holds until its events are appended (give `append_events` the head)."""
    row = conn.execute(_READ_HEAD).one()
    return int(row.seq), str(row.hash)


def append_event(
    conn: Connection,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
    signer: HeadSigner | None = None,
) -> Event:
    """Append one event inside the caller's transaction; the head row lock serializes writers.

    With `signer`, the new head is signed (the workspace does so on every append)."""
    return append_events(conn, actor=actor, entries=[(action, subject, payload)], signer=signer)[0]


def append_events(
    conn: Connection,
    *,
    actor: str,
    entries: Sequence[tuple[str, str, dict[str, Any]]],
    signer: HeadSigner | None = None,
    sign_each: bool = False,
    head: tuple[int, str] | None = None,
) -> list[Event]:
    """`append_event` of several (action, subject, payload), chained in order: the head is
    read, moved and signed once, and the events inserted in one statement. With `sign_each`
    (team mode), `signer` also signs every event's hash, as its actor. `head` is what the
    caller's `lock_head` returned in this transaction, if it took the lock already."""
    if not entries:
        return []
    seq, prev_hash = lock_head(conn) if head is None else head  # `head`: locked by the caller
    rows: list[dict[str, Any]] = []
    for action, subject, payload in entries:
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq,
            "time": utc_now(),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": canonical_json(payload),
            "prev_hash": prev_hash,
        }
        fields["hash"] = prev_hash = event_hash(**fields)
        rows.append(fields)
    each = signer if sign_each else None
    for fields in rows:
        fields["key_id"] = None if each is None else each.key_id
        fields["signature"] = None if each is None else each.sign(event_message(fields["hash"]))
    conn.execute(_INSERT_EVENT, rows)
    signed = None if signer is None else signer.sign(head_message(seq, prev_hash))
    moved = {"new_seq": seq, "new_hash": prev_hash, "new_signature": signed}
    moved["new_key_id"] = None if signer is None else signer.key_id
    conn.execute(_UPDATE_HEAD, moved)
    return [Event(**fields) for fields in rows]


def list_events(
    conn: Connection,
    *,
    subject: str | None = None,
    action: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
    subject_prefix: str | None = None,
) -> list[Event]:
    query = select(events)
    if subject is not None:
        query = query.where(events.c.subject == subject)
    if subject_prefix is not None:
        query = query.where(events.c.subject.startswith(subject_prefix, autoescape=True))
    if action is not None:
        query = query.where(events.c.action == action)
    query = query.order_by(events.c.seq.desc() if newest_first else events.c.seq)
    if limit is not None:
        query = query.limit(limit)
    return [Event(**row._mapping) for row in conn.execute(query)]


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`: ok, or the first broken link and why."""

    ok: bool
    checked: int
    broken_seq: int | None = None  # None when the whole chain, not one event, is in question
    reason: str | None = None
    head_hash: str | None = None  # the last event's hash, when the chain is intact

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_seq": self.broken_seq,
            "reason": self.reason,
        }


def verify_chain(
    conn: Connection, *, keys: KeyLookup | None = None, anchor: Anchor | None = None
) -> ChainReport:
    """Walk the chain in order; report the first edited, deleted or reordered event, an event
    of team mode not signed by its actor's registered key, a head whose signature no
    registered key made, or a chain that no longer holds what `anchor` saw."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    seen: str | None = None  # the hash of the anchor's event, as the chain has it now
    actors = None if keys is None else _ActorSignatures(keys)
    for event in _iter_events(conn):
        problem = _link_problem(event, expected_seq, prev_hash)
        if problem is None and actors is not None:
            problem = actors.problem(event)
        if problem:
            return ChainReport(False, checked, min(event.seq, expected_seq), problem)
        if anchor is not None and event.seq == anchor.seq:
            seen = event.hash
        prev_hash, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    head = conn.execute(select(chain_head).where(chain_head.c.id == HEAD_ID)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    problem = _head_problem(expected_seq - 1, prev_hash, head_seq, head_hash)
    if problem:
        return ChainReport(False, checked, min(head_seq, expected_seq - 1) + 1, problem)
    problem = _signature_problem(head, keys, anchor) or _anchor_problem(anchor, checked, seen)
    if problem:
        return ChainReport(False, checked, None, problem)
    return ChainReport(True, checked, head_hash=prev_hash if checked else None)


class _ActorSignatures:
    """Checks, event by event in chain order, that team mode's events are signed by their
    actor's registered key, and that no key signs after the event that revoked it."""

    def __init__(self, keys: KeyLookup) -> None:
        self._keys = keys
        self._team = False
        self._revoked_at: dict[str, int] = {}
        # owner and kind of each key as the chain registered it: the registry table is
        # writable by anyone with the store's password, the chain is not (undetected)
        self._registered: dict[str, tuple[str, str]] = {}

    def problem(self, event: Event) -> str | None:
        if event.action == TEAM_ON:
            self._team = True
        found = self._check(event) if self._team or event.signature is not None else None
        if event.action == TEAM_OFF:
            self._team = False
        payload = _payload(event)
        key_id = payload.get("key_id")
        if event.action == KEY_REVOKED and isinstance(key_id, str):
            self._revoked_at.setdefault(key_id, event.seq)
        if event.action == KEY_REGISTERED and isinstance(key_id, str):
            owner, kind = payload.get("owner"), payload.get("kind")
            self._registered.setdefault(key_id, (str(owner), str(kind)))
        return found

    def _check(self, event: Event) -> str | None:
        what = f"event {event.seq} ({event.action} by {event.actor})"
        if event.signature is None or event.key_id is None:
            return f"{what} is not signed, yet team mode signs every event with its actor's key"
        key = self._keys.find(event.key_id)
        if key is None:
            return f"{what} is signed by key {event.key_id}, which is not registered"
        try:
            key.verify(event_message(event.hash), event.signature)
        except Exception:
            return f"{what}: its signature by key {key.key_id} of {key.owner} does not match it"
        registered = self._registered.get(key.key_id)
        if registered is None:
            return f"{what} is signed by key {key.key_id}, whose registration is not on the chain"
        if registered != (key.owner, str(key.kind)):
            return (
                f"{what}: the key registry says key {key.key_id} is {key.owner}'s "
                f"({key.kind}), the chain registered it to {registered[0]} ({registered[1]}): "
                "the registry was edited outside modelward"
            )
        if not key.may_act_as(event.actor):
            return f"{what} is signed by key {key.key_id} of {key.owner}, not by {event.actor}"
        revoked = self._revoked_at.get(key.key_id)
        if revoked is not None:
            return f"{what} is signed by key {key.key_id}, revoked at event {revoked}"
        return None


def _payload(event: Event) -> dict[str, Any]:
    try:
        found = event.payload_data()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _signature_problem(head: Any, keys: KeyLookup | None, anchor: Anchor | None) -> str | None:
    if keys is None or head is None:
        return None
    if head.signature is None:
        if anchor is None:
            return None  # a chain from before heads were signed, never verified here since
        return (
            "the chain head is not signed, yet this workspace signed it when it verified event "
            f"{anchor.seq}: the chain was rewritten by someone without a member's key"
        )
    key = keys.find(head.key_id)
    if key is None:
        return (
            f"the chain head is signed by key {head.key_id}, which is not registered in this "
            "workspace: it was rewritten elsewhere, or a member's key was never registered "
            "(see `modelward keys list`)"
        )
    try:
        key.verify(head_message(head.seq, head.hash), head.signature)
    except Exception:
        return (
            "the chain head's signature does not match its last event: the chain was "
            "rewritten, renumbered or cut, and its head moved, without a member's key"
        )
    why = keys.revoked(head.key_id)
    if why is not None:
        return f"the chain head is signed by a revoked key: {why}"
    return None


def _anchor_problem(anchor: Anchor | None, last_seq: int, seen: str | None) -> str | None:
    if anchor is None:
        return None
    if anchor.seq > last_seq:
        return (
            f"events {last_seq + 1} to {anchor.seq} were deleted: this machine verified the "
            f"chain up to event {anchor.seq} at {anchor.time}"
        )
    if seen != anchor.hash:
        return (
            f"event {anchor.seq} was rewritten since this machine verified it at {anchor.time}: "
            "its hash, and the chain before it, are not what they were"
        )
    return None


def _head_problem(last_seq: int, last_hash: str, head_seq: int, head_hash: str) -> str | None:
    if head_seq > last_seq:
        return f"events {last_seq + 1} to {head_seq} were deleted from the end of the chain"
    if head_seq < last_seq:
        return f"the chain head records event {head_seq}, yet events go on to {last_seq}"
    if head_hash != last_hash:
        return f"event {last_seq} was rewritten: its hash differs from the one the head recorded"
    return None


def _link_problem(event: Event, expected_seq: int, prev_hash: str) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing: the chain jumps to event {event.seq}"
    if event.prev_hash != prev_hash:
        return f"event {event.seq} does not follow event {event.seq - 1}: reordered or replaced"
    if expected_hash(event) != event.hash:
        return f"event {event.seq} was edited: its content no longer matches its hash"
    return None


def _iter_events(conn: Connection) -> Iterator[Event]:
    after = 0
    while True:
        rows = conn.execute(
            select(events).where(events.c.seq > after).order_by(events.c.seq).limit(PAGE)
        ).all()
        if not rows:
            return
        for row in rows:
            yield Event(**row._mapping)
        after = rows[-1].seq
