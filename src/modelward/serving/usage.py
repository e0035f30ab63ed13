"""Serving usage for the ledger: requests, rows and scoring CPU time per deployment and model.

The request path adds to in-memory counters; the server writes them as one row per deployment
and model every `period` seconds (and at shutdown), so the store sees a few rows a minute
whatever the traffic. The CPU time is the scoring thread's own (`time.thread_time`) around
validation, scoring and logging; HTTP handling around it is not counted (the ledger says so).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass

from sqlalchemy import insert

from modelward.backends.store import serving_usage
from modelward.events import utc_now
from modelward.workspace import Workspace


@dataclass
class _Count:
    requests: int = 0
    rows: int = 0
    seconds: float = 0.0


class UsageMeter:
    """Thread-safe counters, flushed to `serving_usage`."""

    def __init__(self, ws: Workspace, *, period: float = 60.0) -> None:
        self._ws = ws
        self.period = period
        self.server = f"{socket.gethostname()}:{os.getpid()}"
        self._counts: dict[tuple[str, str], _Count] = {}
        self._lock = threading.Lock()
        self._since = utc_now()
        self._last = time.monotonic()

    def add(self, deployment: str, model: str, rows: int, seconds: float) -> None:
        with self._lock:
            count = self._counts.get((deployment, model))
            if count is None:
                count = self._counts[(deployment, model)] = _Count()
            count.requests += 1
            count.rows += rows
            count.seconds += seconds

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.period

    def flush(self) -> int:
        """Write the counters since the last flush; the number of rows written."""
        with self._lock:
            counts, self._counts = self._counts, {}
            start, self._since = self._since, utc_now()
            self._last = time.monotonic()
        if not counts:
            return 0
        rows = [
            {
                "deployment": deployment,
                "model": model,
                "period_start": start,
                "period_end": self._since,
                "requests": count.requests,
                "rows": count.rows,
                "cpu_seconds": count.seconds,
                "server": self.server,
            }
            for (deployment, model), count in counts.items()
        ]
        try:
            with self._ws.transaction() as conn:
                conn.execute(insert(serving_usage), rows)
        except Exception:
            self._restore(counts, start)  # counted again at the next flush, not lost
            raise
        return len(rows)

    def _restore(self, counts: dict[tuple[str, str], _Count], start: str) -> None:
        with self._lock:
            for key, count in counts.items():
                now = self._counts.setdefault(key, _Count())
                now.requests += count.requests
                now.rows += count.rows
                now.seconds += count.seconds
            self._since = start
