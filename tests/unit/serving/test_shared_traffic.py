"""Extraction evidence shared through a real Redis: what one replica pushes another reads."""

from __future__ import annotations

import socket
import time
import uuid

import numpy as np
import pytest

from modelward.errors import BackendError
from modelward.serving.shared_traffic import SharedTraffic


def cells(
    codes: list[int], rare: list[bool], steps: list[bool] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    marked = [False] * len(codes) if steps is None else steps
    return (
        np.array(codes, dtype=np.int64),
        np.array(rare, dtype=np.bool_),
        np.array(marked, dtype=np.bool_),
    )


def test_two_replicas_read_what_both_pushed_newest_rows_kept(redis_url: str) -> None:
    workspace = uuid.uuid4().hex
    first = SharedTraffic(redis_url, workspace, memory_rows=4, window=60.0)
    second = SharedTraffic(redis_url, workspace, memory_rows=4, window=60.0)
    now = time.time()
    first.push("churn/v1", "user:vic", cells([1, 2, 3], [False, True, False]), now - 120)
    second.push("churn/v1", "user:vic", cells([7, 8], [True, False], [True, True]), now)
    (codes, rare, steps), volume = first.read("churn/v1", "user:vic", now)
    assert codes.tolist() == [2, 3, 7, 8]  # the last 4 rows, across replicas
    assert rare.tolist() == [True, False, True, False]
    assert steps.tolist() == [False, False, True, True]
    assert volume == 2  # the rows two minutes ago are outside the 60 s window
    (none, _, _), nothing = second.read("churn/v1", "user:ana", now)
    assert none.size == 0
    assert nothing == 0
    assert first.first_alert("user:vic", 60.0) is True
    assert second.first_alert("user:vic", 60.0) is False  # one alert across replicas
    elsewhere = SharedTraffic(redis_url, uuid.uuid4().hex)
    assert elsewhere.read("churn/v1", "user:vic", now)[1] == 0  # another workspace's keys
    for shared in (first, second, elsewhere):
        shared.close()


def test_a_redis_that_is_away_is_a_backend_error() -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    shared = SharedTraffic(f"redis://127.0.0.1:{port}/0", "ws", timeout=0.2)
    with pytest.raises(BackendError, match="shared traffic: Redis failed"):
        shared.push("m", "user:vic", cells([1], [False]), time.time())
    with pytest.raises(BackendError):
        shared.read("m", "user:vic", time.time())
    shared.close()
