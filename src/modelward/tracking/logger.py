"""The SDK's live run: params written at once, metric points buffered and written in batches."""

from __future__ import annotations

import math
import re
import time
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from modelward.backends.store.tables import run_latest, run_metrics, run_params, runs
from modelward.errors import Conflict, InputError
from modelward.events.log import utc_now
from modelward.tracking.liveness import Heartbeat
from modelward.tracking.records import RunStatus
from modelward.workspace import Workspace

KEY = re.compile(r"^[A-Za-z0-9_.\-/ :]{1,250}$")
FLUSH_POINTS = 20_000
FLUSH_SECONDS = 2.0


class ActiveRun:
    """A run being logged by this process. Not thread-safe: log from one thread.

    Use as a context manager: leaving the block flushes and finishes the run, as `failed` if
    an exception escaped. Metric points reach the store at least every `FLUSH_SECONDS` while
    logging, and all of them at `flush()` or the end.
    """

    def __init__(self, ws: Workspace, run_id: int, uid: str) -> None:
        self.ws = ws
        self.run_id = run_id
        self.uid = uid
        self._buffer: list[dict[str, Any]] = []
        self._steps: dict[str, int] = {}
        self._latest: dict[str, tuple[int, float]] = {}
        self._flushed_at = time.monotonic()
        self._started = (time.monotonic(), time.process_time())
        self._points = 0
        self.status = RunStatus.RUNNING
        self._heartbeat = Heartbeat(ws, run_id)
        self._heartbeat.start()
        # A run dropped unfinished stops beating: nothing alive holds it any more.
        weakref.finalize(self, self._heartbeat.stop)

    def log_param(self, key: str, value: object) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, object]) -> None:
        rows = [{"run_id": self.run_id, "key": _key(k), "value": str(v)} for k, v in params.items()]
        if not rows:
            return
        self._require_running()
        with self.ws.transaction() as conn:
            known = set(
                conn.execute(
                    select(run_params.c.key).where(
                        run_params.c.run_id == self.run_id,
                        run_params.c.key.in_([r["key"] for r in rows]),
                    )
                ).scalars()
            )
            if known:
                raise Conflict(f"run {self.uid[:8]}: params already logged: {sorted(known)}")
            conn.execute(insert(run_params), rows)
            payload: dict[str, Any] = {str(r["key"]): r["value"] for r in rows}
            self.ws.record(conn, "run.params.logged", f"run/{self.uid}", payload)

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        key = _key(key)
        number = _finite(key, value)
        if step is None:
            step = self._steps.get(key, -1) + 1
        elif not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise InputError.field(f"step of {key}", step, "a whole number >= 0")
        self._steps[key] = max(step, self._steps.get(key, -1))
        self._buffer.append(
            {"run_id": self.run_id, "key": key, "step": step, "value": number, "time": time.time()}
        )
        if step >= self._latest.get(key, (-1, 0.0))[0]:
            self._latest[key] = (step, number)
        if len(self._buffer) >= FLUSH_POINTS or time.monotonic() - self._flushed_at > FLUSH_SECONDS:
            self.flush()

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    def flush(self) -> None:
        """Write buffered points and the newest value of each metric, in one transaction."""
        self._flushed_at = time.monotonic()
        if not self._buffer:
            return
        with self.ws.transaction() as conn:
            conn.execute(insert(run_metrics), self._buffer)
            _upsert_latest(conn, self.run_id, self._latest)
        self._points += len(self._buffer)
        self._buffer.clear()

    def finish(self, status: RunStatus = RunStatus.FINISHED) -> None:
        if not self.status.can_move_to(status):
            raise Conflict(f"run {self.uid[:8]} is {self.status.value}; it cannot become {status}")
        self._heartbeat.stop()
        self.flush()
        wall = time.monotonic() - self._started[0]
        cpu = time.process_time() - self._started[1]
        with self.ws.transaction() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == self.run_id)
                .values(status=status.value, ended_at=utc_now(), wall_seconds=wall, cpu_seconds=cpu)
            )
            payload = {
                "status": status.value,
                "metric_points": self._points,
                "metrics": {k: v for k, (_s, v) in sorted(self._latest.items())},
                "wall_seconds": round(wall, 3),
                "cpu_seconds": round(cpu, 3),
            }
            self.ws.record(conn, "run.finished", f"run/{self.uid}", payload)
        self.status = status

    def _require_running(self) -> None:
        if self.status.is_terminal:
            raise Conflict(f"run {self.uid[:8]} is {self.status.value}; start a new run")

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


def _upsert_latest(conn: Connection, run_id: int, latest: dict[str, tuple[int, float]]) -> None:
    rows = [{"run_id": run_id, "key": k, "step": s, "value": v} for k, (s, v) in latest.items()]
    insert_ = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert_(run_latest)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[run_latest.c.run_id, run_latest.c.key],
            set_={"step": statement.excluded.step, "value": statement.excluded.value},
        ),
        rows,
    )


def _key(key: str) -> str:
    if not isinstance(key, str) or not KEY.match(key):
        raise InputError.field(
            "metric or param name", key, "1-250 letters, digits, spaces or `_ . - / :`"
        )
    return key


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
