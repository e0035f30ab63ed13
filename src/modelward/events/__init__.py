"""The tamper-evident event log: every mutation appends one hash-chained event."""

from modelward.events.chain import GENESIS, Event, event_hash
from modelward.events.log import (
    Anchor,
    ChainReport,
    HeadSigner,
    KeyLookup,
    KnownKey,
    append_event,
    list_events,
    verify_chain,
)

__all__ = [
    "GENESIS",
    "Anchor",
    "ChainReport",
    "Event",
    "HeadSigner",
    "KeyLookup",
    "KnownKey",
    "append_event",
    "event_hash",
    "list_events",
    "verify_chain",
]
