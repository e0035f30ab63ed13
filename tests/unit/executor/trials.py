"""Trial functions the executor tests send to workers: module-level, so picklable by reference."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import threadpoolctl

Shared = dict[str, Any]


def fit_ridge(shared: Shared, item: dict[str, Any]) -> float:
    """A seeded bootstrap ridge fit on the shared data; its training error (deterministic)."""
    x, y = shared["x"], shared["y"]
    rng = np.random.default_rng(item["seed"])
    rows = rng.choice(len(x), size=len(x), replace=True)
    xb, yb = x[rows], y[rows]
    coef = np.linalg.solve(xb.T @ xb + item["alpha"] * np.eye(x.shape[1]), xb.T @ yb)
    return float(np.mean((x @ coef - y) ** 2))


def slow_ridge(shared: Shared, item: dict[str, Any]) -> float:
    time.sleep(item["pause"])
    return fit_ridge(shared, item)


def count_calls(shared: Shared, item: int) -> tuple[int, int, int]:
    """(pid, calls so far on this worker's copy of shared, item): the copy persists across items."""
    shared["calls"] = shared.get("calls", 0) + 1
    return os.getpid(), shared["calls"], item


def sleep_then_touch(shared: Shared, item: dict[str, Any]) -> str:
    """Sleeps, then leaves a file: the file appears only if the work was not stopped."""
    path = Path(item["path"])
    time.sleep(item["seconds"])
    path.write_text("finished")
    return str(path)


def fail(shared: Shared, item: int) -> None:
    raise ValueError(f"bad item {item}")


class LockedError(Exception):
    """An exception that cannot be pickled (it holds a lock)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def fail_unpicklable(shared: Shared, item: int) -> None:
    raise LockedError(f"locked item {item}")


def exit_with(shared: Shared, item: int) -> None:
    os._exit(item)


def kill_self(shared: Shared, item: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def thread_config(shared: Shared, item: int) -> tuple[str | None, list[int]]:
    """OMP_NUM_THREADS and every loaded BLAS/OpenMP pool's size, as the item starts."""
    pools = [int(info["num_threads"]) for info in threadpoolctl.threadpool_info()]
    return os.environ.get("OMP_NUM_THREADS"), pools


def raise_threads(shared: Shared, item: int) -> int:
    """Leaves the worker's BLAS/OpenMP pools bigger than it found them, as a careless fn might."""
    threadpoolctl.threadpool_limits(limits=item)
    return item


class DiesOnLoad:
    """Shared data whose loading kills the worker process: a worker dying as it starts."""

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return os._exit, (5,)
