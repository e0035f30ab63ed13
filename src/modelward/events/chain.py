"""Events and the hash that links each one to the one before it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept. Hashes are taken over this."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Event:
    """One recorded mutation. `hash` covers every other field, `prev_hash` included."""

    seq: int
    time: str
    actor: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str
    key_id: str | None = None  # team mode: the actor's registered key ...
    signature: str | None = None  # ... and its signature over `event_message(hash)`

    def payload_data(self) -> Any:
        return json.loads(self.payload)

    def to_json(self) -> dict[str, Any]:
        signed = (
            {} if self.signature is None else {"key_id": self.key_id, "signature": self.signature}
        )
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload_data(),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            **signed,
        }


def event_message(event_hash_hex: str) -> bytes:
    """What an actor's signature on one event covers: its hash, which covers every field."""
    return f"modelward-event:{event_hash_hex}".encode("ascii")


def event_hash(
    *, seq: int, time: str, actor: str, action: str, subject: str, payload: str, prev_hash: str
) -> str:
    body = canonical_json([seq, time, actor, action, subject, payload, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def expected_hash(event: Event) -> str:
    return event_hash(
        seq=event.seq,
        time=event.time,
        actor=event.actor,
        action=event.action,
        subject=event.subject,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )
