"""Append to, read and verify the event chain stored in the metadata store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from modelward.backends.store.tables import chain_head, events
from modelward.events.chain import GENESIS, Event, canonical_json, event_hash, expected_hash

HEAD_ID = 1
PAGE = 5_000


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# Statements built once: constructing SQLAlchemy expressions costs more than running them.
_READ_HEAD = (
    select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == HEAD_ID).with_for_update()
)
_INSERT_EVENT = insert(events)
_UPDATE_HEAD = (
    update(chain_head)
    .where(chain_head.c.id == HEAD_ID)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append_event(
    conn: Connection, *, actor: str, action: str, subject: str, payload: dict[str, Any]
) -> Event:
    """Append one event inside the caller's transaction; the head row lock serializes writers."""
    head = conn.execute(_READ_HEAD).one()
    prev_seq, prev_hash = head.seq, head.hash
    fields: dict[str, Any] = {
        "seq": prev_seq + 1,
        "time": utc_now(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "payload": canonical_json(payload),
        "prev_hash": prev_hash,
    }
    fields["hash"] = event_hash(**fields)
    conn.execute(_INSERT_EVENT, fields)
    conn.execute(_UPDATE_HEAD, {"new_seq": fields["seq"], "new_hash": fields["hash"]})
    return Event(**fields)


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
    broken_seq: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_seq": self.broken_seq,
            "reason": self.reason,
        }


def verify_chain(conn: Connection) -> ChainReport:
    """Walk the chain in order; report the first edited, deleted or reordered event."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in _iter_events(conn):
        problem = _link_problem(event, expected_seq, prev_hash)
        if problem:
            return ChainReport(False, checked, min(event.seq, expected_seq), problem)
        prev_hash, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    head = conn.execute(select(chain_head).where(chain_head.c.id == HEAD_ID)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    problem = _head_problem(expected_seq - 1, prev_hash, head_seq, head_hash)
    if problem:
        return ChainReport(False, checked, min(head_seq, expected_seq - 1) + 1, problem)
    return ChainReport(True, checked)


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
