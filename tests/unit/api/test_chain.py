"""The event chain's status is verified once, then reused until it is a minute old."""

from __future__ import annotations

import time
from pathlib import Path

import modelward
from modelward.api.chain import ChainWatch


def test_status_is_reused_then_refreshed_in_the_background(home: Path) -> None:
    with modelward.open(home=home) as ws:
        with ws.transaction() as conn:
            ws.record(conn, "test.event", "test/1")
        watch = ChainWatch(ws, max_age=3600)
        first = watch.status()
        assert first.report.ok
        assert first.report.checked == 1
        with ws.transaction() as conn:
            ws.record(conn, "test.event", "test/2")
        assert watch.status().report is first.report  # within max_age: no new walk
        watch.max_age = 0.0
        watch.status()  # stale: a fresh walk starts in the background
        deadline = time.monotonic() + 10
        while watch.status().report.checked != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watch.status().report.checked == 2
