"""The tamper-evident event log: every mutation appends one hash-chained event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.events.anchor import (
        read_anchor as read_anchor,
        write_anchor as write_anchor,
    )
    from modelward.events.chain import (
        GENESIS as GENESIS,
        Event as Event,
        canonical_json as canonical_json,
        event_hash as event_hash,
    )
    from modelward.events.log import (
        KEY_REGISTERED as KEY_REGISTERED,
        KEY_REVOKED as KEY_REVOKED,
        TEAM_OFF as TEAM_OFF,
        TEAM_ON as TEAM_ON,
        Anchor as Anchor,
        ChainReport as ChainReport,
        HeadSigner as HeadSigner,
        KeyLookup as KeyLookup,
        KnownKey as KnownKey,
        append_event as append_event,
        append_events as append_events,
        head_seq as head_seq,
        list_events as list_events,
        lock_head as lock_head,
        utc_now as utc_now,
        verify_chain as verify_chain,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
