"""The SDK's live run: the run, its params and metric points kept in memory and written together.

A run whose logging fits in `FLUSH_SECONDS` costs the store one transaction, at its end: the run,
its params, points, newest values and end, and their events. A longer run is written at least
every `FLUSH_SECONDS` (a background thread does so when the run's own thread is busy elsewhere),
so a crash loses at most that much of it, the run included when it had just started. Reading
`uid` or `run_id` writes the run at once: other records may then point at it.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Insert, bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from modelward.backends.store import run_latest, run_metrics, run_params, runs
from modelward.errors import Conflict, InputError
from modelward.events import utc_now
from modelward.tracking.liveness import Heartbeat, reap_lost_runs_in
from modelward.tracking.records import RunStatus
from modelward.workspace import Workspace

KEY = re.compile(r"^[A-Za-z0-9_.\-/ :]{1,250}$")
FLUSH_POINTS = 20_000
FLUSH_SECONDS = 2.0

# Statements built once: constructing SQLAlchemy expressions costs more than running them.
_INSERT_RUN = insert(runs)
_INSERT_PARAMS = insert(run_params)
_INSERT_POINTS = insert(run_metrics)
_END_RUN = (
    update(runs)
    .where(runs.c.id == bindparam("run"))
    .values(
        status=bindparam("status"),
        ended_at=bindparam("ended"),
        wall_seconds=bindparam("wall"),
        cpu_seconds=bindparam("cpu"),
    )
)


class ActiveRun:
    """A run being logged by this process. Not thread-safe: log from one thread.

    Use as a context manager: leaving the block writes what is pending and finishes the run, as
    `failed` if an exception escaped. What was logged reaches the store at least every
    `FLUSH_SECONDS`, and all of it at `flush()` or the end.
    """

    def __init__(self, ws: Workspace, row: dict[str, Any], started: dict[str, Any]) -> None:
        """`row`: the run's row in `runs`; `started`: the payload of its `run.started` event."""
        self.ws = ws
        self._uid = str(row["uid"])
        self._pending = _Pending(ws, row, started)
        self._param_keys: set[str] = set()
        self._steps: dict[str, int] = {}
        self._started = (time.monotonic(), time.process_time())
        self.status = RunStatus.RUNNING
        pending = self._pending
        self._heartbeat = Heartbeat(
            ws, lambda: pending.run_id, tick=pending.flush_due, tick_every=FLUSH_SECONDS
        )
        self._heartbeat.start()
        # A run dropped unfinished writes what it holds and stops beating: nothing alive holds it.
        self._abandoned = weakref.finalize(self, _abandon, self._heartbeat, self._pending)

    @property
    def uid(self) -> str:
        """The run's id, for other records to point at: the run is written first if need be."""
        self._pending.write_run()
        return self._uid

    @property
    def run_id(self) -> int:
        """The run's row number in the store (written first if need be)."""
        return self._pending.write_run()

    def log_param(self, key: str, value: object) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, object]) -> None:
        rows = [{"key": _key(k), "value": _text(k, v)} for k, v in params.items()]
        if not rows:
            return
        self._require_running()
        # This object is the only writer of its run's params: what it logged is what exists.
        known = {str(r["key"]) for r in rows} & self._param_keys
        if known:
            raise Conflict(f"run {self._uid[:8]}: params already logged: {sorted(known)}")
        self._param_keys.update(str(r["key"]) for r in rows)
        self._pending.add_params(rows)

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        key = _key(key)
        number = _finite(key, value)
        if step is None:
            step = self._steps.get(key, -1) + 1
        elif not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise InputError.field(f"step of {key}", step, "a whole number >= 0")
        self._steps[key] = max(step, self._steps.get(key, -1))
        point = {"key": key, "step": step, "value": number, "time": time.time()}
        if self._pending.add_point(point) >= FLUSH_POINTS:
            self.flush()
        else:
            self._pending.flush_due()

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    def flush(self) -> None:
        """Write pending params and points, and the newest value of each metric, at once."""
        self._pending.flush()

    def finish(self, status: RunStatus = RunStatus.FINISHED) -> None:
        if not self.status.can_move_to(status):
            raise Conflict(f"run {self._uid[:8]} is {self.status.value}; it cannot become {status}")
        self._heartbeat.stop()
        wall = time.monotonic() - self._started[0]
        cpu = time.process_time() - self._started[1]

        def end(
            conn: Connection, run_id: int, points: int, latest: dict[str, tuple[int, float]]
        ) -> Entry:
            ended = {"run": run_id, "status": status.value, "ended": utc_now()}
            conn.execute(_END_RUN, {**ended, "wall": wall, "cpu": cpu})
            payload = {
                "status": status.value,
                "metric_points": points,
                "metrics": {k: v for k, (_s, v) in sorted(latest.items())},
                "wall_seconds": round(wall, 3),
                "cpu_seconds": round(cpu, 3),
            }
            return "run.finished", f"run/{self._uid}", payload

        self._pending.flush(then=end)
        self._abandoned.detach()  # written and ended: nothing is left for a last write
        self.status = status

    def _require_running(self) -> None:
        if self.status.is_terminal:
            raise Conflict(f"run {self._uid[:8]} is {self.status.value}; start a new run")

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.status.is_terminal:
            return
        if exc_type is None:
            self.finish(RunStatus.FINISHED)
        elif issubclass(exc_type, KeyboardInterrupt):
            self.finish(RunStatus.KILLED)
        else:
            self.finish(RunStatus.FAILED)


Entry = tuple[str, str, dict[str, Any]]  # an event's action, subject and payload
Ending = Callable[[Connection, int, int, dict[str, tuple[int, float]]], Entry]


class _Pending:
    """What a run logged that the store has not seen yet (the run itself, at first), and the
    one way it is written. Thread-safe: the run's thread adds, and it or the heartbeat writes.
    """

    def __init__(self, ws: Workspace, row: dict[str, Any], started: dict[str, Any]) -> None:
        self.ws = ws
        self.row, self.uid = row, str(row["uid"])
        self.started: Entry = ("run.started", f"run/{self.uid}", started)
        self.run_id: int | None = None  # set once the run's row is committed
        self.lock = threading.Lock()
        self.params: list[dict[str, Any]] = []
        self.points: list[dict[str, Any]] = []
        self.latest: dict[str, tuple[int, float]] = {}
        self.written_points = 0
        self.flushed_at = time.monotonic()

    def add_params(self, rows: list[dict[str, Any]]) -> None:
        with self.lock:
            self.params.extend(rows)

    def add_point(self, point: dict[str, Any]) -> int:
        """Keep `point`; the number of points now pending."""
        key, step = point["key"], point["step"]
        with self.lock:
            self.points.append(point)
            if step >= self.latest.get(key, (-1, 0.0))[0]:
                self.latest[key] = (step, point["value"])
            return len(self.points)

    def write_run(self) -> int:
        """The run's row number, writing what is pending first if the run is not written yet."""
        found = self.run_id
        if found is None:
            self.flush()
            found = self.run_id
        assert found is not None
        return found

    def flush_due(self) -> None:
        if self.ws.store.closed:
            return  # a run left open past its workspace: nothing may open a connection now
        if time.monotonic() - self.flushed_at > FLUSH_SECONDS:
            self.flush()

    def flush(self, then: Ending | None = None) -> None:
        """Write what is pending in one transaction, with `then` (the run's end) in it too."""
        with self.lock:
            self.flushed_at = time.monotonic()
            if self.run_id is not None and not (self.params or self.points or then):
                return
            with self.ws.transaction() as conn:
                events, run_id = self._write_run(conn)
                events += self._write_logged(conn, run_id)
                if then is not None:
                    points = self.written_points + len(self.points)
                    events.append(then(conn, run_id, points, dict(self.latest)))
                self.ws.record_all(conn, events)
            # kept until committed: a store that failed gets the same rows next time
            self.run_id = run_id
            self.written_points += len(self.points)
            self.params.clear()
            self.points.clear()

    def _write_run(self, conn: Connection) -> tuple[list[Entry], int]:
        if self.run_id is not None:
            return [], self.run_id
        reap_lost_runs_in(self.ws, conn)  # runs a killed process left `running` end first
        # alive now, whenever it started: a late first write is no sign of a lost run
        row = {**self.row, "heartbeat_at": utc_now()}
        key = conn.execute(_INSERT_RUN, row).inserted_primary_key
        assert key is not None
        return [self.started], int(key[0])

    def _write_logged(self, conn: Connection, run_id: int) -> list[Entry]:
        """Write the pending params and points; the events they call for."""
        events: list[Entry] = []
        if self.params:
            conn.execute(_INSERT_PARAMS, [{**r, "run_id": run_id} for r in self.params])
            payload: dict[str, Any] = {str(r["key"]): r["value"] for r in self.params}
            events.append(("run.params.logged", f"run/{self.uid}", payload))
        if self.points:
            conn.execute(_INSERT_POINTS, [{**p, "run_id": run_id} for p in self.points])
            rows = [
                {"run_id": run_id, "key": k, "step": s, "value": v}
                for k, (s, v) in self.latest.items()
            ]
            conn.execute(_upsert_latest(conn.dialect.name), rows)
        return events


def _abandon(heartbeat: Heartbeat, pending: _Pending) -> None:
    """A dropped run's last write. The collector may run this in any thread: one holding the
    run's lock (the heartbeat, mid-write) skips it rather than wait for itself, and a closed
    workspace gets no new connection; the reaper ends the run then."""
    heartbeat.stop()
    if pending.ws.store.closed or not pending.lock.acquire(blocking=False):
        return
    pending.lock.release()
    with contextlib.suppress(Exception):  # the store may be gone at exit
        pending.flush()


@functools.cache
def _upsert_latest(dialect: str) -> Insert:
    """Each metric's newest (step, value), inserted or replaced."""
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(run_latest)
    return statement.on_conflict_do_update(
        index_elements=[run_latest.c.run_id, run_latest.c.key],
        set_={"step": statement.excluded.step, "value": statement.excluded.value},
    )


def _key(key: str) -> str:
    if not isinstance(key, str) or not KEY.match(key):
        raise InputError.field(
            "metric or param name", key, "1-250 letters, digits, spaces or `_ . - / :`"
        )
    return key


def _text(key: str, value: object) -> str:
    """A param's value as stored: text every store holds (PostgreSQL refuses NUL, and no store
    takes half a surrogate pair). Checked here: a refused value fails this call, not the run's
    later write with everything else it logged."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError.field(f"param {key}", value, "text that is valid Unicode") from None
    if "\x00" in text:
        raise InputError.field(f"param {key}", value, "text without NUL characters") from None
    return text


def _finite(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError.field(f"metric {key}", value, "a number") from None
    number = float(value)
    if not math.isfinite(number):
        raise InputError.field(f"metric {key}", value, "a finite number (not NaN or infinity)")
    return number
