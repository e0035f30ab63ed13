"""Runs whose process died: a heartbeat while a run is open, and a reaper at the next start.

A run records the process that runs it (`host/pid/start`) and, every `HEARTBEAT_SECONDS`, the
time it was last seen alive. A SIGKILL, an out-of-memory kill or a pulled plug leaves the run
`running` in the store; the next run started on the workspace (and every server start) marks it
`failed` with a `run.lost` event when its process is gone: at once on the same host (the pid no
longer runs that process), after `LOST_AFTER_SECONDS` without a heartbeat from another host.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from modelward.backends.store.tables import runs
from modelward.events.log import utc_now
from modelward.tracking.records import RunStatus
from modelward.workspace import Workspace

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
    """A daemon thread writing a run's `heartbeat_at` until `stop()`."""

    def __init__(self, ws: Workspace, run_id: int, every: float = HEARTBEAT_SECONDS) -> None:
        self._ws, self._run_id, self._every = ws, run_id, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"run-{run_id}-heartbeat")
        self._thread.daemon = True  # a process that exits without finishing stops beating

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _beat(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                with self._ws.transaction() as conn:
                    beat = conn.execute(
                        update(runs)
                        .where(runs.c.id == self._run_id, runs.c.status == RunStatus.RUNNING)
                        .values(heartbeat_at=utc_now())
                    )
            except Exception:  # noqa: S112 - a beat must never kill its thread
                continue  # a store that is briefly away misses one beat; the next one tries again
            if beat.rowcount == 0:
                return  # the run ended (or was marked lost) elsewhere: nothing to keep alive


def reap_lost_runs(ws: Workspace) -> list[str]:
    """Mark `failed` every running run whose process is gone; the uids marked."""
    now = datetime.fromisoformat(utc_now())
    with ws.transaction() as conn:
        found = conn.execute(
            select(
                runs.c.id, runs.c.uid, runs.c.owner, runs.c.heartbeat_at, runs.c.started_at
            ).where(runs.c.status == RunStatus.RUNNING.value)
        ).all()
    reaped = []
    for row in found:
        reason = _lost_because(row, now)
        if reason is not None and _mark_lost(ws, row, reason):
            reaped.append(row.uid)
    return reaped


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


def _mark_lost(ws: Workspace, row: Any, reason: str) -> bool:
    with ws.transaction() as conn:
        changed = conn.execute(
            update(runs)
            .where(runs.c.id == row.id, runs.c.status == RunStatus.RUNNING.value)
            .values(status=RunStatus.FAILED.value, ended_at=utc_now())
        ).rowcount
        if changed:
            payload = {"status": RunStatus.FAILED.value, "reason": reason, "owner": row.owner}
            ws.record(conn, "run.lost", f"run/{row.uid}", payload)
    return bool(changed)
