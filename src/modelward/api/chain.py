"""The event chain's status for pages: a full verification, reused for a minute.

Verifying walks every event (about a second per 100,000), too slow for a page view. The server
starts a walk when it starts; a view shows the latest result with its age, and a view after
`max_age` seconds starts a fresh walk in the background. A view before the first walk ends waits
at most `wait` seconds for it (a small log is verified by then), else says it is verifying.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from modelward.events import ChainReport
from modelward.workspace import Workspace


@dataclass(frozen=True)
class ChainStatus:
    report: ChainReport | None  # None: the first walk has not finished yet
    age_seconds: float


class ChainWatch:
    def __init__(self, ws: Workspace, *, max_age: float = 60.0, wait: float = 0.15) -> None:
        self._ws = ws
        self.max_age = max_age
        self.wait = wait
        self._report: ChainReport | None = None
        self._at = 0.0
        self._lock = threading.Lock()
        self._done = threading.Event()  # set whenever no walk is running
        self._done.set()

    def start(self) -> None:
        """Begin a walk in the background (the server calls this as it starts)."""
        with self._lock:
            if not self._done.is_set():
                return
            self._done.clear()
        threading.Thread(target=self._verify, name="chain-verify", daemon=True).start()

    def status(self) -> ChainStatus:
        if self._report is None:
            self.start()
            self._done.wait(self.wait)
        elif time.monotonic() - self._at > self.max_age:
            self.start()
        report = self._report
        return ChainStatus(report, 0.0 if report is None else time.monotonic() - self._at)

    def _verify(self) -> None:
        try:
            report = self._ws.verify_events()
            self._report, self._at = report, time.monotonic()
        finally:
            self._done.set()
