"""The event chain's status for pages: a full verification, reused for a minute.

Verifying walks every event (about a second per 100,000), too slow to repeat on each page
view. The first view verifies; later views show that result with its age, and a view after
`max_age` seconds starts a fresh full verification in the background.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from modelward.events import ChainReport
from modelward.workspace import Workspace


@dataclass(frozen=True)
class ChainStatus:
    report: ChainReport
    age_seconds: float


class ChainWatch:
    def __init__(self, ws: Workspace, *, max_age: float = 60.0) -> None:
        self._ws = ws
        self.max_age = max_age
        self._report: ChainReport | None = None
        self._at = 0.0
        self._lock = threading.Lock()
        self._running = False

    def status(self) -> ChainStatus:
        if self._report is None:
            self._verify()
        elif time.monotonic() - self._at > self.max_age:
            self._refresh_in_background()
        assert self._report is not None
        return ChainStatus(self._report, time.monotonic() - self._at)

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._verify, name="chain-verify", daemon=True).start()

    def _verify(self) -> None:
        try:
            report = self._ws.verify_events()
            self._report, self._at = report, time.monotonic()
        finally:
            with self._lock:
                self._running = False
