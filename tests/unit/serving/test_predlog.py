"""The prediction log: batched off the request path, drained on close, read by time window."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import modelward
from modelward.errors import InputError
from modelward.serving.predlog import LogRow, PredictionLog, read_predictions

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


def rows(n: int, *, deployment: str = "churn-api", at: float | None = None) -> list[LogRow]:
    start = time.time() if at is None else at
    return [
        (start + i * 1e-3, deployment, f"{i:032x}", "primary", "churn/v1", "{}", "{}", 0.1, "")
        for i in range(n)
    ]


def test_close_drains_every_buffered_row(home: Path) -> None:
    with modelward.open(home=home) as ws:
        log = PredictionLog(ws, interval=60.0)
        log.start()
        log.append(rows(250))
        log.append(rows(3, deployment="other"))
        log.close()
        assert read_predictions(ws, "churn-api").height == 250
        assert read_predictions(ws, "other").height == 3
        assert log.stats().pending == 0


def test_rows_are_durable_within_one_interval_without_close(home: Path) -> None:
    """The crash-loss bound: what was appended an interval ago is written, no close needed."""
    with modelward.open(home=home) as ws:
        log = PredictionLog(ws, interval=0.2)
        log.start()
        log.append(rows(40))
        deadline = time.monotonic() + 5
        while read_predictions(ws, "churn-api").height < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert read_predictions(ws, "churn-api").height == 40
        log.close()


def test_a_full_buffer_is_written_before_the_interval(home: Path) -> None:
    with modelward.open(home=home) as ws:
        log = PredictionLog(ws, interval=60.0, max_rows=100)
        log.start()
        log.append(rows(150))
        deadline = time.monotonic() + 5
        while log.stats().written < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.stats().written == 150
        log.close()


def test_read_by_time_window(home: Path) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    with modelward.open(home=home) as ws:
        log = PredictionLog(ws)
        for day in range(3):
            log.append(rows(10, at=(base + timedelta(days=day)).timestamp()))
            log.flush()
        window = read_predictions(
            ws, "churn-api", since=base + timedelta(days=1), until=base + timedelta(days=2)
        )
        assert window.height == 10
        assert window["time"].min() == base + timedelta(days=1)
        with pytest.raises(InputError, match="--since"):
            read_predictions(ws, "churn-api", since=base, until=base)


def test_a_failed_write_keeps_its_rows_for_the_next_try(home: Path) -> None:
    with modelward.open(home=home) as ws:
        log = PredictionLog(ws, max_buffer=30)
        log.append(rows(20))
        with ws.transaction() as conn:  # the table goes away (either store): the flush fails
            conn.execute(text("ALTER TABLE prediction_batches RENAME TO batches_away"))
        assert log.flush() == 0
        log.append(rows(20))
        stats = log.stats()
        assert (stats.pending, stats.dropped, stats.failures) == (30, 10, 1)
