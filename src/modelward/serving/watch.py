"""Watching each caller's traffic for model extraction, per deployment.

A scored request only queues its rows (a list append); a watcher thread feeds them to the
serving model's `ExtractionMonitor` in batches every `TICK` seconds, off the request path.
Each caller is judged at most once a second; a suspicious caller
raises an `extraction.suspected` event (at most one per caller per `ALERT_EVERY` seconds) and
gets a throttle factor that the edge applies to its rate. The monitor's reference is a sample
of the primary model's training rows, built off the request path on first use. With Redis,
replicas share what they saw (`SharedTraffic`): a caller is judged on all its traffic, and one
replica raises the alert.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from modelward.datasets import get_version, load_frame
from modelward.errors import BackendError, NotFound
from modelward.events import list_events
from modelward.serving.contract import as_number
from modelward.serving.extraction import Cells, ExtractionAssessment, ExtractionMonitor
from modelward.serving.metrics import ServingMetrics
from modelward.serving.models import ServedModel
from modelward.serving.scorer import Answer
from modelward.serving.shared_traffic import SharedTraffic
from modelward.tracking import get_run
from modelward.training import ColumnKind
from modelward.workspace import Workspace

TICK = 0.25  # seconds between batches of queued traffic
ASSESS_EVERY = 1.0  # seconds between judgements of one caller
ALERT_EVERY = 600.0  # seconds between alerts about one caller
REFERENCE_ROWS = 5_000
MAX_FEATURES = 8
MIN_REFERENCE = 100  # training rows needed to judge coverage
ID_SHARE = 0.95  # a whole-number column this distinct across rows is an identifier

Batch = Sequence[Mapping[str, Any]] | pl.DataFrame


class _Watched:
    """One deployment's monitor and the numeric columns it reads."""

    def __init__(self, monitor: ExtractionMonitor | None, columns: tuple[str, ...]) -> None:
        self.monitor = monitor
        self.columns = columns


class TrafficWatch:
    """Thread-safe. `observe` after each answer; `throttle(key)` at the edge."""

    def __init__(
        self, ws: Workspace, metrics: ServingMetrics, shared: SharedTraffic | None = None
    ) -> None:
        self._ws = ws
        self._metrics = metrics
        self._shared = shared  # other replicas' evidence, through Redis
        self._watched: dict[str, _Watched] = {}  # by model ref
        self._queue: list[tuple[str, str, str, ServedModel, Batch, float]] = []
        self._judged: dict[str, float] = {}
        self._alerted: dict[str, float] = {}
        self._throttles: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="traffic-watch", daemon=True)
        self._thread.start()

    def observe(self, key: str, answer: Answer, model: ServedModel, records: Batch) -> None:
        """Queue a scored request's rows (the request path pays only this append)."""
        item = (key, answer.deployment, answer.model, model, records, time.time())
        with self._lock:
            self._queue.append(item)

    def throttle(self, key: str) -> float:
        """The factor (0 to 1] to scale the caller's rate by; 1.0 when not suspected."""
        return self._throttles.get(key, 1.0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self._shared is not None:
            self._shared.close()

    def drain(self) -> None:
        """Feed everything queued to the monitors and judge the callers seen (the tick's work).

        One monitor call per caller and model, on all its queued rows at once: the watch holds
        the interpreter for microseconds a tick, not per request."""
        with self._lock:
            queued, self._queue = self._queue, []
        grouped: dict[tuple[str, str], list[tuple[Batch, float]]] = {}
        models: dict[str, ServedModel] = {}
        deployments: dict[str, str] = {}
        for key, deployment, ref, model, records, at in queued:
            grouped.setdefault((key, ref), []).append((records, at))
            models[ref] = model
            deployments[key] = deployment
        now = time.time()
        seen: dict[str, tuple[str, ExtractionMonitor]] = {}
        for (key, ref), batches in grouped.items():
            watched = self._watched.get(ref) or self._build(models[ref])
            if watched.monitor is None:
                continue
            rows = _stacked([records for records, _ in batches], watched.columns)
            cells = watched.monitor.observe(key, rows, batches[-1][1])
            self._share(ref, key, cells, batches[-1][1])
            seen[key] = (ref, watched.monitor)
        for key, (ref, monitor) in seen.items():
            if now - self._judged.get(key, 0.0) >= ASSESS_EVERY:
                self._judged[key] = now
                self._judge(key, deployments[key], self._assess(ref, key, monitor, now))

    def _share(self, ref: str, key: str, cells: Cells, at: float) -> None:
        if self._shared is None:
            return
        try:
            self._shared.push(ref, key, cells, at)
        except BackendError:
            return  # judged on this replica's own traffic until Redis is back

    def _assess(
        self, ref: str, key: str, monitor: ExtractionMonitor, now: float
    ) -> ExtractionAssessment:
        """On every replica's traffic when they share it, else on this replica's."""
        if self._shared is not None:
            try:
                found, volume = self._shared.read(ref, key, now)
                return monitor.judge(key, found, volume)
            except BackendError:
                pass
        return monitor.assess(key, now)

    def _first_alert(self, key: str) -> bool:
        """Whether this replica raises the alert: one replica per caller per `ALERT_EVERY`."""
        if self._shared is None:
            return True
        try:
            return self._shared.first_alert(key, ALERT_EVERY)
        except BackendError:
            return True  # a duplicate alert beats a lost one

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            try:
                self.drain()
            except Exception:  # noqa: S112 - a failed tick must not stop the watch
                continue

    def _judge(self, key: str, deployment: str, found: ExtractionAssessment) -> None:
        if not found.suspicious:
            self._throttles.pop(key, None)
            return
        self._throttles[key] = found.throttle_factor
        now = time.time()
        if now - self._alerted.get(key, 0.0) >= ALERT_EVERY:
            self._alerted[key] = now
            if not self._first_alert(key):
                return  # another replica raised it
            payload = {"caller": key, "deployment": deployment, **found.to_json()}
            with self._ws.transaction() as conn:
                self._ws.record(conn, "extraction.suspected", f"deployment/{deployment}", payload)

    def _build(self, model: ServedModel) -> _Watched:
        numeric = tuple(
            c.name for c in model.runtime.schema.columns if c.kind is ColumnKind.NUMERIC
        )
        sample = _reference(self._ws, model, numeric)
        columns = () if sample is None else _watched_columns(sample)
        monitor = None
        if columns and sample is not None and sample.height >= MIN_REFERENCE:
            monitor = ExtractionMonitor(_features(sample, columns))
        watched = _Watched(monitor, columns)
        self._watched[model.ref] = watched
        return watched


def open_shared(ws: Workspace) -> SharedTraffic | None:
    """Evidence shared with the other replicas when the workspace has a Redis URL; its keys
    carry the workspace's first event (replicas share it, other workspaces do not)."""
    if not ws.settings.redis_url:
        return None
    with ws.transaction() as conn:
        first = list_events(conn, limit=1)
    return SharedTraffic(ws.settings.redis_url, first[0].hash[:16] if first else "new")


def _reference(ws: Workspace, model: ServedModel, columns: tuple[str, ...]) -> pl.DataFrame | None:
    """A sample of the model's training rows, `columns` only."""
    if model.version.run is None or not columns:
        return None
    try:
        dataset = get_run(ws, model.version.run).dataset
        if dataset is None:
            return None
        frame = load_frame(ws, get_version(ws, dataset))
    except NotFound:
        return None
    return frame.select(columns).sample(min(REFERENCE_ROWS, frame.height), seed=0)


def _watched_columns(sample: pl.DataFrame) -> tuple[str, ...]:
    """The numeric columns that say where a row lies, most distinct values first: an
    identifier (a distinct whole number per row) says nothing about the population, and a
    flag says less than a measurement."""
    distinct = {c: sample[c].drop_nulls().n_unique() for c in sample.columns}
    rows = sample.height

    def identifier(column: str) -> bool:
        values = sample[column].drop_nulls()
        whole = values.dtype.is_integer() or bool((values.cast(pl.Float64) % 1 == 0).all())
        return rows > 0 and distinct[column] >= ID_SHARE * rows and whole

    kept = [c for c in sample.columns if distinct[c] > 1 and not identifier(c)]
    return tuple(sorted(kept, key=lambda c: -distinct[c])[:MAX_FEATURES])


def _stacked(batches: Sequence[Batch], columns: tuple[str, ...]) -> np.ndarray:
    """The numeric features of several requests' rows, in order: a tick's records are read in
    one numpy call, because a tick holds the interpreter while the requests queue behind it."""
    parts: list[np.ndarray] = []
    records: list[Mapping[str, Any]] = []
    for batch in batches:
        if isinstance(batch, pl.DataFrame):
            if records:
                parts.append(_features(records, columns))
                records = []
            parts.append(_features(batch, columns))
        else:
            records.extend(batch)
    if records or not parts:
        parts.append(_features(records, columns))
    return parts[0] if len(parts) == 1 else np.vstack(parts)


def _features(records: Batch, columns: tuple[str, ...]) -> np.ndarray:
    if isinstance(records, pl.DataFrame):
        present = [pl.col(c).cast(pl.Float64, strict=False) for c in columns if c in records]
        if len(present) != len(columns):
            return np.empty((0, len(columns)))
        return records.select(present).to_numpy().astype(np.float64)
    values = [[record.get(c) for c in columns] for record in records]
    try:  # numbers, numeric text, true/false and nulls (NaN) in one call
        return np.array(values, dtype=np.float64).reshape(len(values), len(columns))
    except (TypeError, ValueError, OverflowError):  # a value no number reads: NaN, one by one
        return np.array([[_number(v) for v in row] for row in values], dtype=np.float64)


def _number(value: object) -> float:
    try:
        number = as_number(value)
    except OverflowError:  # an integer past float's range
        return float("inf") if isinstance(value, int) and value > 0 else float("-inf")
    return float("nan") if number is None else number
