"""The prediction log: every scored row, written in batches off the request path.

Requests append a tuple to an in-memory buffer (a list append under a lock: microseconds). A
writer thread flushes the buffer every `interval` seconds, or sooner when it holds `max_rows`,
as one Parquet blob per deployment plus one index row (deployment, time window, row count) in
the store. `close()` drains the buffer, so a clean shutdown loses nothing.

The bound on loss after a crash (the process killed, the machine off): the rows of at most one
flush interval, and never more than `max_rows + the rows of one flush in progress`. Rows are
durable once their batch's index row is committed; a blob without an index row (a crash between
the two writes) is unreferenced, never half-read. A failed flush (store or blob store down)
keeps its rows and retries next tick, up to `max_buffer` rows; beyond that the oldest rows are
dropped and counted, so a long outage costs memory only up to a bound.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import insert, select

from modelward.backends.store import prediction_batches
from modelward.errors import InputError
from modelward.events import utc_now
from modelward.workspace import Workspace

# One logged row, as the request path builds it (a tuple is the cheapest thing to append).
# (epoch seconds, deployment, request id, route, model, inputs JSON, prediction JSON,
#  latency ms, token id or "")
LogRow = tuple[float, str, str, str, str, str, str, float, str]

COLUMNS = (
    "time",
    "deployment",
    "request_id",
    "route",
    "model",
    "inputs",
    "prediction",
    "latency_ms",
    "token",
)
SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "time": pl.Float64,
    "deployment": pl.String,
    "request_id": pl.String,
    "route": pl.String,
    "model": pl.String,
    "inputs": pl.String,
    "prediction": pl.String,
    "latency_ms": pl.Float64,
    "token": pl.String,
}


@dataclass(frozen=True)
class LogStats:
    written: int
    dropped: int
    pending: int
    batches: int
    failures: int


class PredictionLog:
    """Buffered, batched writer of scored rows. Thread-safe; start with `start()`."""

    def __init__(
        self,
        ws: Workspace,
        *,
        interval: float = 1.0,
        max_rows: int = 50_000,
        max_buffer: int = 2_000_000,
    ) -> None:
        self._ws = ws
        self.interval = interval
        self.max_rows = max_rows
        self.max_buffer = max_buffer
        self._rows: list[LogRow] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._written = self._dropped = self._batches = self._failures = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
            self._thread.start()

    def append(self, rows: Sequence[LogRow]) -> None:
        with self._lock:
            self._rows.extend(rows)
            if len(self._rows) > self.max_buffer:  # only during a long write outage
                excess = len(self._rows) - self.max_buffer
                del self._rows[:excess]
                self._dropped += excess
            full = len(self._rows) >= self.max_rows
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write what is buffered now; the number of rows written (0 when the write failed)."""
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                _write(self._ws, rows)
            except Exception:
                # Keep the rows for the next tick (bounded): the log must survive an outage.
                self._requeue(rows)
                return 0
            self._written += len(rows)
            self._batches += 1
            return len(rows)

    def close(self) -> None:
        """Stop the writer and drain the buffer (a clean shutdown loses nothing)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def stats(self) -> LogStats:
        with self._lock:
            pending = len(self._rows)
        return LogStats(self._written, self._dropped, pending, self._batches, self._failures)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def _requeue(self, rows: list[LogRow]) -> None:
        self._failures += 1
        with self._lock:
            self._rows[:0] = rows
            excess = max(0, len(self._rows) - self.max_buffer)
            del self._rows[:excess]
            self._dropped += excess


def _write(ws: Workspace, rows: list[LogRow]) -> None:
    # column lists build a frame several times faster than row tuples (the GIL is held here)
    columns = [list(column) for column in zip(*rows, strict=True)]
    frame = pl.DataFrame(dict(zip(COLUMNS, columns, strict=True)), schema=SCHEMA)
    for (deployment,), part in frame.group_by(["deployment"], maintain_order=True):
        buffer = io.BytesIO()
        part.write_parquet(buffer, compression="zstd")
        blob = ws.blobs.put_bytes(buffer.getvalue())
        first, last = float(part["time"].min()), float(part["time"].max())  # type: ignore[arg-type]
        with ws.transaction() as conn:
            conn.execute(
                insert(prediction_batches).values(
                    deployment=str(deployment),
                    first_time=_iso(first),
                    last_time=_iso(last),
                    rows=part.height,
                    blob=blob,
                    created_at=utc_now(),
                )
            )


def read_predictions(
    ws: Workspace,
    deployment: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pl.DataFrame:
    """The logged rows of `deployment` whose time is in [since, until), oldest first."""
    if since is not None and until is not None and since >= until:
        raise InputError.field("--since", since.isoformat(), f"a time before {until.isoformat()}")
    query = select(prediction_batches.c.blob).where(prediction_batches.c.deployment == deployment)
    if since is not None:
        query = query.where(prediction_batches.c.last_time >= _iso(since.timestamp()))
    if until is not None:
        query = query.where(prediction_batches.c.first_time < _iso(until.timestamp()))
    with ws.transaction() as conn:
        blobs = conn.execute(query.order_by(prediction_batches.c.id)).scalars().all()
    parts = [pl.read_parquet(io.BytesIO(ws.blobs.read_bytes(b))) for b in blobs]
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=SCHEMA)
    if since is not None:
        frame = frame.filter(pl.col("time") >= since.timestamp())
    if until is not None:
        frame = frame.filter(pl.col("time") < until.timestamp())
    return frame.sort("time", maintain_order=True).with_columns(
        pl.from_epoch(
            (pl.col("time") * 1_000_000).cast(pl.Int64), time_unit="us"
        ).dt.replace_time_zone("UTC")
    )


def now() -> float:
    return time.time()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")
