"""The executor interface: run `fn(shared, item)` over items in parallel, results in item order.

Both executors keep to the same contract, so a search gives the same results on either: `shared`
reaches each worker once per session, items run one per worker slot, and every item starts in the
same thread configuration (one BLAS / OpenMP thread unless the function asks for more itself).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Generic, Protocol, TypeVar

import threadpoolctl

T = TypeVar("T")
R = TypeVar("R")

# What `Session.stream` asks for: the next item and the time.time() to stop it at, or None.
Ask = Callable[[], tuple[T, float | None] | None]

# A worker owns one slot of the machine; without these a worker's BLAS or OpenMP pool would size
# itself to every core (or to a large value the parent happened to have set), and N workers would
# run N x cores threads. Ray sets OMP_NUM_THREADS=1 for num_cpus=1 tasks by itself: the local pool
# does the same so that results never depend on which executor ran them.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


class Session(Protocol):
    """Runs batches of items against the `shared` object its executor was given.

    Not thread-safe: one `map` at a time. Owned by the `with executor.session(...)` block.
    """

    def map(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, deadline: float | None = None
    ) -> list[R | None]:
        """`fn(shared, item)` for each item, in item order; None where `deadline` came first.

        `fn` must be a module-level function. Work still running at `deadline` (a time.time())
        is stopped. An exception in `fn` is raised here; a dead worker raises `BackendError`.
        """
        ...

    def stream(
        self, fn: Callable[[Any, T], R], ask: Ask[T]
    ) -> Generator[tuple[T, R | None], None, None]:
        """`fn(shared, item)` for items from `ask()`, yielded as `(item, result)` as each ends.

        `ask` is called whenever a slot is free, after the previous result was handed over, and
        returns `(item, stop_at)` or None for no more items (it is not called again). Work still
        running at its `stop_at` (a time.time(), or None for no limit) is stopped and yielded
        with result None. Closing the iterator early stops whatever still runs. Errors as `map`.
        """
        ...


class Executor(Protocol):
    """A pool of `workers` slots. `session(shared)` sends `shared` once; `close()` frees all."""

    name: str
    workers: int

    def session(self, shared: object) -> AbstractContextManager[Session]: ...

    def close(self) -> None: ...


class Asking(Generic[T]):
    """A stream's side of `ask`: numbered items for the free slots, until `ask` answers None."""

    def __init__(self, ask: Ask[T]) -> None:
        self.ask = ask
        self.open = True
        self.count = 0

    def take(self, free: int) -> list[tuple[int, T, float | None]]:
        """Up to `free` new items as (number, item, stop_at); none once `ask` said None."""
        taken: list[tuple[int, T, float | None]] = []
        while self.open and len(taken) < free:
            wanted = self.ask()
            if wanted is None:
                self.open = False
            else:
                taken.append((self.count, *wanted))
                self.count += 1
        return taken


def limit_threads() -> None:
    """Put this worker process in the one-thread configuration every item starts from."""
    os.environ.update(THREAD_ENV)
    # Libraries loaded before the variables were set (numpy's OpenBLAS comes with the first
    # import) and limits a previous item raised must be reset at run time.
    threadpoolctl.threadpool_limits(limits=1)


def seconds_left(deadline: float | None) -> float | None:
    """Seconds until `deadline` (never negative), or None for no deadline."""
    return None if deadline is None else max(0.0, deadline - time.time())
