"""A deployment's request volume and latency over time, from its prediction log.

Each logged row carries its request's id (`ID`, or `ID:i` within a batch) and the scorer's time
per row (the request's validation and scoring time over its rows), so a request is its rows
grouped by id and its latency their sum. HTTP handling around the scorer is not counted. Shadow
rows answer nobody and are left out.

Percentiles come from a histogram per bucket whose bins are 5% wide on a log scale, so summaries
of many batches merge exactly and a percentile (its bin's geometric middle) is within 2.5% of
the exact one. A batch never changes once written, so a `TrafficCache` keeps each batch's
summary: a page polling every few seconds reads only the batches written since its last look.
A busy server writes a batch a second, so a cold cache may face ten thousand batches for three
hours; a `budget` bounds the reading per call (newest batches first) and the series says how
many it left unread, for the next call to take up.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import select

from modelward.backends.store import prediction_batches
from modelward.errors import InputError
from modelward.serving.deployments import get_deployment
from modelward.serving.records import RouteName
from modelward.workspace import Workspace

LATENCY_FLOOR_MS = 0.01
LATENCY_RATIO = 1.05
# Bins from 0.01 ms up to ten minutes; slower requests land in the last bin.
LATENCY_BINS = math.ceil(math.log(600_000 / LATENCY_FLOOR_MS) / math.log(LATENCY_RATIO)) + 1
ROUTES = (RouteName.PRIMARY.value, RouteName.CANARY.value)
MAX_BUCKETS = 2_000
CHUNK = 200  # batches summarized together: one pass of polars' per-call overhead for all
COLUMNS = ["time", "request_id", "route", "latency_ms"]

Counts = npt.NDArray[np.int64]
# One batch's summary: rows of (bucket index, route code, latency bin, requests, scored rows).
Summary = npt.NDArray[np.int64]
EMPTY: Summary = np.zeros((0, 5), dtype=np.int64)


@dataclass(frozen=True)
class TrafficSeries:
    """Requests, rows and latency per bucket of a window, oldest bucket first; every bucket of
    the window is present, an empty one with 0 requests and no latency."""

    deployment: str
    bucket_seconds: int
    starts: tuple[float, ...]  # epoch seconds at which each bucket starts
    requests: tuple[int, ...]
    rows: tuple[int, ...]
    p50_ms: tuple[float | None, ...]
    p99_ms: tuple[float | None, ...]
    by_route: dict[str, tuple[int, ...]]  # requests per bucket, for each route that had some
    total_p50_ms: float | None
    total_p99_ms: float | None
    unread: int = 0  # batches of the window not read within the budget (the oldest ones)

    @property
    def total_requests(self) -> int:
        return sum(self.requests)

    @property
    def total_rows(self) -> int:
        return sum(self.rows)

    @property
    def busiest(self) -> int:
        """The most requests in one bucket."""
        return max(self.requests, default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "bucket_seconds": self.bucket_seconds,
            "starts": list(self.starts),
            "requests": list(self.requests),
            "rows": list(self.rows),
            "p50_ms": list(self.p50_ms),
            "p99_ms": list(self.p99_ms),
            "by_route": {k: list(v) for k, v in self.by_route.items()},
            "total": {
                "requests": self.total_requests,
                "rows": self.total_rows,
                "p50_ms": self.total_p50_ms,
                "p99_ms": self.total_p99_ms,
            },
            "unread_batches": self.unread,
        }


class TrafficCache:
    """Batch summaries by blob digest and bucket width (a blob's bytes never change, so an entry
    never goes stale). Thread-safe; holds at most `max_batches`, least recently used dropped."""

    def __init__(self, max_batches: int = 50_000) -> None:
        self.max_batches = max_batches
        self._found: OrderedDict[tuple[str, int], Summary] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> Summary | None:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
            return found

    def put(self, key: tuple[str, int], summary: Summary) -> None:
        with self._lock:
            self._found[key] = summary
            while len(self._found) > self.max_batches:
                self._found.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._found)


def traffic_series(
    ws: Workspace,
    deployment: str,
    *,
    hours: float = 3.0,
    bucket_seconds: int = 60,
    now: float | None = None,
    cache: TrafficCache | None = None,
    budget: float | None = None,
) -> TrafficSeries:
    """`deployment`'s traffic in the `hours` up to `now` (epoch seconds; the clock by default),
    in buckets of `bucket_seconds` aligned on the epoch; the newest bucket is the current one.
    With a `budget` (seconds), batches that are not in `cache` are read until it is spent.

    Raises `NotFound` for an unknown deployment and `InputError` for a window that is not
    positive or has more than 2,000 buckets."""
    whole = isinstance(bucket_seconds, int) and not isinstance(bucket_seconds, bool)
    if not whole or not 1 <= bucket_seconds <= 86_400:
        raise InputError.field("bucket_seconds", bucket_seconds, "whole seconds from 1 to 86400")
    if not (isinstance(hours, int | float) and math.isfinite(hours) and hours > 0):
        raise InputError.field("hours", hours, "a number of hours > 0")
    count = math.ceil(hours * 3600 / bucket_seconds)
    if count > MAX_BUCKETS:
        most = MAX_BUCKETS * bucket_seconds / 3600
        raise InputError.field("hours", hours, f"at most {most:g} with {bucket_seconds} s buckets")
    get_deployment(ws, deployment)  # NotFound for an unknown one
    last = int((time.time() if now is None else now) // bucket_seconds)
    first = last - count + 1
    blobs = _blobs(ws, deployment, first * bucket_seconds, (last + 1) * bucket_seconds)
    summaries, unread = _summaries(ws, blobs, bucket_seconds, cache, budget)
    return _series(deployment, bucket_seconds, first, count, summaries, unread)


def _bin_middle(index: int) -> float:
    return float(LATENCY_FLOOR_MS * LATENCY_RATIO ** (index + 0.5))


def _summarize(frame: pl.DataFrame, bucket_seconds: int, batches: int) -> list[Summary]:
    """Logged rows of several batches (told apart by a `batch` column) as each batch's
    (bucket, route, latency bin, requests, rows) counts."""
    requests = (
        frame.filter(pl.col("route").is_in((RouteName.PRIMARY.value, RouteName.CANARY.value)))
        .group_by(
            pl.col("batch"),
            pl.col("request_id").str.split(":").list.first().alias("request"),
            pl.col("route"),
        )
        .agg(pl.col("time").min(), pl.len().alias("rows"), pl.col("latency_ms").sum())
    )
    ratio = pl.max_horizontal(pl.col("latency_ms"), pl.lit(LATENCY_FLOOR_MS)) / LATENCY_FLOOR_MS
    binned = requests.select(
        pl.col("batch"),
        (pl.col("time") // bucket_seconds).cast(pl.Int64).alias("bucket"),
        (pl.col("route") == RouteName.CANARY.value).cast(pl.Int64).alias("route"),
        (ratio.log() / math.log(LATENCY_RATIO))
        .floor()
        .clip(0, LATENCY_BINS - 1)
        .cast(pl.Int64)
        .alias("bin"),
        pl.col("rows").cast(pl.Int64),
    )
    counts = (
        binned.group_by("batch", "bucket", "route", "bin")
        .agg(pl.len().cast(pl.Int64).alias("requests"), pl.col("rows").sum())
        .sort("batch")
        .select("batch", "bucket", "route", "bin", "requests", "rows")
        .to_numpy()
        .astype(np.int64)
        .reshape(-1, 6)
    )
    cuts = np.searchsorted(counts[:, 0], np.arange(1, batches))
    return [np.ascontiguousarray(part[:, 1:]) for part in np.split(counts, cuts)]


def _blobs(ws: Workspace, deployment: str, since: float, until: float) -> list[str]:
    table = prediction_batches.c
    query = (
        select(table.blob)
        .where(table.deployment == deployment)
        .where(table.last_time >= _iso(since))
        .where(table.first_time < _iso(until))
        .order_by(table.id)
    )
    with ws.transaction() as conn:
        return list(conn.execute(query).scalars())


def _summaries(
    ws: Workspace,
    blobs: list[str],
    width: int,
    cache: TrafficCache | None,
    budget: float | None,
) -> tuple[list[Summary], int]:
    """Each batch's summary, from the cache or read, newest first, while the budget lasts;
    and how many batches were left unread."""
    found: list[Summary] = []
    missing: list[str] = []
    for blob in blobs:
        known = None if cache is None else cache.get((blob, width))
        if known is None:
            missing.append(blob)
        else:
            found.append(known)
    missing.reverse()  # newest first: a cold page shows the latest traffic soonest
    deadline = None if budget is None else time.perf_counter() + budget
    read = 0
    while read < len(missing) and (deadline is None or time.perf_counter() < deadline):
        chunk = missing[read : read + CHUNK]
        for blob, summary in zip(chunk, _read(ws, chunk, width), strict=True):
            found.append(summary)
            if cache is not None:
                cache.put((blob, width), summary)
        read += len(chunk)
    return found, len(missing) - read


def _read(ws: Workspace, blobs: list[str], width: int) -> list[Summary]:
    frames = [pl.read_parquet(io.BytesIO(ws.blobs.read_bytes(b)), columns=COLUMNS) for b in blobs]
    sizes = [frame.height for frame in frames]
    batch = np.repeat(np.arange(len(frames), dtype=np.int64), sizes)
    frame = pl.concat(frames, how="vertical_relaxed").with_columns(batch=pl.Series(batch))
    return _summarize(frame, width, len(blobs))


def _series(
    deployment: str,
    width: int,
    first: int,
    count: int,
    summaries: Sequence[Summary],
    unread: int,
) -> TrafficSeries:
    merged = np.concatenate([EMPTY, *summaries])
    merged = merged[(merged[:, 0] >= first) & (merged[:, 0] < first + count)]
    at = merged[:, 0] - first
    routes = np.zeros((len(ROUTES), count), dtype=np.int64)
    np.add.at(routes, (merged[:, 1], at), merged[:, 3])
    rows = np.zeros(count, dtype=np.int64)
    np.add.at(rows, at, merged[:, 4])
    histogram = np.zeros((count, LATENCY_BINS), dtype=np.int64)
    np.add.at(histogram, (at, merged[:, 2]), merged[:, 3])
    return TrafficSeries(
        deployment=deployment,
        bucket_seconds=width,
        starts=tuple(float((first + i) * width) for i in range(count)),
        requests=tuple(int(n) for n in routes.sum(axis=0)),
        rows=tuple(int(n) for n in rows),
        p50_ms=_percentiles(histogram, 0.50),
        p99_ms=_percentiles(histogram, 0.99),
        by_route={
            name: tuple(int(n) for n in routes[code])
            for code, name in enumerate(ROUTES)
            if routes[code].any()
        },
        total_p50_ms=_percentiles(histogram.sum(axis=0, keepdims=True), 0.50)[0],
        total_p99_ms=_percentiles(histogram.sum(axis=0, keepdims=True), 0.99)[0],
        unread=unread,
    )


def _percentiles(histogram: Counts, q: float) -> tuple[float | None, ...]:
    """Each row's nearest-rank percentile: the middle of the bin holding its ceil(q * n)-th
    request; None for a row without requests."""
    totals = histogram.sum(axis=1)
    ranks = np.maximum(np.ceil(q * totals), 1)
    index = (np.cumsum(histogram, axis=1) < ranks[:, None]).sum(axis=1)
    return tuple(
        round(_bin_middle(int(i)), 4) if n else None for i, n in zip(index, totals, strict=True)
    )


def _iso(epoch: float) -> str:
    # The prediction log's own format for its batch windows, so text comparison orders times.
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")
