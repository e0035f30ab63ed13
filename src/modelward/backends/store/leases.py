"""Leases: a job that several server replicas could run, run by one of them.

`take` is one conditional write: the lease moves to the caller when it is free, expired or
already the caller's, so of two replicas asking at once exactly one gets it (the row's primary
key settles a race for a lease nobody held yet). A lease is never released early: it also marks
when the job may run next, whoever holds it then.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from modelward.backends.store.tables import leases

# This process, as lease holders are named: host, process id and a random part (a restarted
# process with a reused id is another holder).
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take(conn: Connection, name: str, seconds: float, *, holder: str = HOLDER) -> bool:
    """Whether `holder` holds `name` for the next `seconds` (it was free, expired or its own)."""
    now = time.time()
    values = {"holder": holder, "expires_at": now + seconds, "taken_at": _iso(now)}
    claimable = or_(leases.c.expires_at <= now, leases.c.holder == holder)
    moved = conn.execute(update(leases).where(leases.c.name == name, claimable).values(**values))
    if moved.rowcount:
        return True
    if conn.execute(select(leases.c.name).where(leases.c.name == name)).first() is not None:
        return False  # another holder's, and not expired
    try:
        with conn.begin_nested():  # a savepoint: losing the race must not end the transaction
            conn.execute(insert(leases).values(name=name, **values))
    except IntegrityError:
        return False  # another replica created it first
    return True


def holder_of(conn: Connection, name: str) -> tuple[str, float] | None:
    """Who holds `name` and until when (epoch seconds), or None for a lease never taken."""
    row = conn.execute(
        select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
    ).first()
    return None if row is None else (str(row.holder), float(row.expires_at))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
