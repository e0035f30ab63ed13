"""Runs whose process died: a heartbeat while a run is open, and a reaper at the next start.

A run records the process that runs it (`host/pid/start`) and, every `HEARTBEAT_SECONDS`, the
time it was last seen alive. A SIGKILL, an out-of-memory kill or a pulled plug leaves the run
`running` in the store; the next run started on the workspace (and every server start) marks it
`failed` with a `run.lost` event when its process is gone: at once on the same host (the pid no
longer runs that process), after `LOST_AFTER_SECONDS` without a heartbeat from another host.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, select, update

from modelward.backends.store import runs
from modelward.events import utc_now
from modelward.tracking.records import RunStatus
from modelward.workspace import Workspace

T = TypeVar("T")
log = logging.getLogger("modelward.tracking")

HEARTBEAT_SECONDS = 30.0
LOST_AFTER_SECONDS = 4 * HEARTBEAT_SECONDS  # a busy store may delay a beat or two, not four


def process_tag(pid: int | None = None) -> str:
    """This host, a pid and the process's start time: a recycled pid is a different tag."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}/{pid}/{_start_ticks(pid)}"


def alive_here(tag: str) -> bool | None:
    """Is the process `tag` names still running: None when it ran on another host."""
    host, _, rest = tag.partition("/")
    pid_text, _, started = rest.partition("/")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive, and its start time says whether it is ours
    return _start_ticks(pid) == started


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), "" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return ""
    return fields[19] if len(fields) > 19 else ""


class Heartbeat:
    """A daemon thread writing a run's `heartbeat_at` every `every` seconds until `stop()`,
    and calling `tick` (the run's pending writes) every `tick_every` seconds in between."""

    def __init__(
        self,
        ws: Workspace,
        run_id: int | Callable[[], int | None],
        every: float = HEARTBEAT_SECONDS,
        *,
        tick: Callable[[], None] | None = None,
        tick_every: float | None = None,
    ) -> None:
        self._ws, self._run_id, self._every = ws, run_id, every
        self._tick, self._wake = tick, min(every, tick_every or every)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="run-heartbeat")
        self._thread.daemon = True  # a process that exits without finishing stops beating

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _beat(self) -> None:
        last = time.monotonic()
        while not self._stopped.wait(self._wake):
            if self._ws.store.closed:
                return  # the workspace was closed under a run left open: the reaper ends it
            if self._tick is not None:
                _quietly(self._tick)
            if time.monotonic() - last < self._every:
                continue
            last = time.monotonic()
            if _quietly(self._mark_alive) == 0:
                return  # the run ended (or was marked lost) elsewhere: nothing to keep alive

    def _mark_alive(self) -> int:
        run_id = self._run_id() if callable(self._run_id) else self._run_id
        if run_id is None:
            return 1  # not written yet (its pending rows are): nothing to mark, keep beating
        with self._ws.transaction() as conn:
            return conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status == RunStatus.RUNNING)
                .values(heartbeat_at=utc_now())
            ).rowcount


def _quietly(work: Callable[[], T]) -> T | None:
    """`work()`, or None when it failed: a store that is briefly away misses one beat (or one
    write of pending rows, kept for the next), and nothing may kill the thread."""
    try:
        return work()
    except Exception:
        log.warning("a run's background write failed; it is tried again", exc_info=True)
        return None


def reap_lost_runs(ws: Workspace) -> list[str]:
    """Mark `failed` every running run whose process is gone; the uids marked."""
    with ws.transaction() as conn:
        return reap_lost_runs_in(ws, conn)


def reap_lost_runs_in(ws: Workspace, conn: Connection) -> list[str]:
    """`reap_lost_runs` inside the caller's transaction (a run's start)."""
    now = datetime.fromisoformat(utc_now())
    reaped = []
    for row in conn.execute(_RUNNING).all():
        reason = _lost_because(row, now)
        if reason is not None and _mark_lost(ws, conn, row, reason):
            reaped.append(row.uid)
    return reaped


_RUNNING = select(
    runs.c.id, runs.c.uid, runs.c.owner, runs.c.heartbeat_at, runs.c.started_at
).where(runs.c.status == RunStatus.RUNNING.value)


def _lost_because(row: Any, now: datetime) -> str | None:
    if row.owner:
        alive = alive_here(row.owner)
        if alive is not None:
            return None if alive else f"its process ({row.owner}) is no longer running"
    last = row.heartbeat_at or row.started_at
    silent = (now - datetime.fromisoformat(last)).total_seconds()
    if silent <= LOST_AFTER_SECONDS:
        return None
    return f"no heartbeat for {silent:,.0f} s (since {last})"


def _mark_lost(ws: Workspace, conn: Connection, row: Any, reason: str) -> bool:
    changed = conn.execute(
        update(runs)
        .where(runs.c.id == row.id, runs.c.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.FAILED.value, ended_at=utc_now())
    ).rowcount
    if changed:
        payload = {"status": RunStatus.FAILED.value, "reason": reason, "owner": row.owner}
        ws.record(conn, "run.lost", f"run/{row.uid}", payload)
    return bool(changed)
