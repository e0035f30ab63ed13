"""The event chain's status is verified off the page view, then reused until a minute old."""

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
        assert first.report is not None
        assert first.report.ok
        assert first.report.checked == 2  # the key's registration, the event
        with ws.transaction() as conn:
            ws.record(conn, "test.event", "test/2")
        assert watch.status().report is first.report  # within max_age: no new walk
        watch.max_age = 0.0
        watch.status()  # stale: a fresh walk starts in the background
        deadline = time.monotonic() + 10
        while _checked(watch) != 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _checked(watch) == 3


def test_a_long_first_walk_does_not_hold_the_page(home: Path) -> None:
    with modelward.open(home=home) as ws:
        with ws.transaction() as conn:
            ws.record(conn, "test.event", "test/1")
        watch = ChainWatch(ws, wait=0.0)
        watch._done.clear()  # as if the server's first walk were still running
        started = time.monotonic()
        assert watch.status().report is None
        assert time.monotonic() - started < 0.1
        watch._done.set()
        watch.start()
        deadline = time.monotonic() + 10
        while _checked(watch) != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _checked(watch) == 2


def _checked(watch: ChainWatch) -> int | None:
    report = watch.status().report
    return None if report is None else report.checked
