"""Heavy requests take turns: a few at a time, a short queue, and 429 beyond it.

Explaining rows costs thousands of predictions each; scoring a large batch, seconds. Run in
worker threads they still share two cores with every single-row prediction, so at most
`slots` run at once and `queue` more may wait; any more is told to come back (429 with
Retry-After) instead of piling up work nobody will wait for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from modelward.errors import RateLimited

SLOTS, QUEUE = 1, 4


class HeavyWork:
    """Admission for heavy requests. Use from the server's event loop only."""

    def __init__(self, *, slots: int = SLOTS, queue: int = QUEUE) -> None:
        self.slots, self.queue = slots, queue
        self._free = asyncio.Semaphore(slots)
        self._waiting = 0

    @asynccontextmanager
    async def turn(self, what: str) -> AsyncIterator[None]:
        """Wait for a turn; RateLimited when `queue` requests wait already."""
        if self._free.locked() and self._waiting >= self.queue:
            raise RateLimited(
                f"{what}: {self.slots} running and {self._waiting} waiting already; retry "
                "shortly, or send fewer rows at a time",
                retry_after=2.0,
                reason="busy",
            )
        self._waiting += 1
        try:
            await self._free.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._free.release()
