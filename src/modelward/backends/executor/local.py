"""The local executor: a pool of spawned worker processes on this machine."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from typing import Any, TypeVar

from modelward.backends.executor.base import Ask, Asking, Session, seconds_left
from modelward.backends.executor.worker import Worker
from modelward.errors import BackendError

T = TypeVar("T")
R = TypeVar("R")


class LocalSession:
    """Up to `workers` processes holding one copy of `shared` each, started on the first `map`.

    `shared` is pickled once, on first use, and that snapshot is what every worker gets,
    including those started again after a deadline or a crash stopped their predecessors.
    Not thread-safe: one `map` or `stream` at a time. `close()` stops every worker.
    """

    def __init__(self, shared: object, *, workers: int) -> None:
        self.shared = shared
        self.workers = workers
        self._pool: list[Worker] = []
        self._payload: memoryview | None = None
        self._spawned = 0
        self._closed = False

    def map(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, deadline: float | None = None
    ) -> list[R | None]:
        self._check_open()
        results: list[R | None] = [None] * len(items)
        if not items or seconds_left(deadline) == 0.0:
            return results
        self._grow(min(self.workers, len(items)))
        queue = deque(range(len(items)))
        try:
            while queue or self._busy():
                left = seconds_left(deadline)
                if left == 0.0:
                    self._collect(results, 0.0)  # what finished just in time still counts
                    break
                self._dispatch(fn, items, queue)
                self._collect(results, left)
        finally:
            self._stop_busy()
        return results

    def stream(
        self, fn: Callable[[Any, T], R], ask: Ask[T]
    ) -> Generator[tuple[T, R | None], None, None]:
        self._check_open()
        running: dict[int, tuple[T, float | None]] = {}  # item number -> (item, stop_at)
        asking = Asking(ask)
        self._grow(self.workers)
        try:
            while True:
                for number, item, stop_at in asking.take(self.workers - len(running)):
                    self._idle_worker().start(number, fn, item)
                    running[number] = (item, stop_at)
                if not running:
                    return
                yield from self._finished(running)
        finally:
            self._stop_busy()

    def _idle_worker(self) -> Worker:
        """A worker with no item, started now in place of one stopped at its stop time."""
        self._grow(len(self._busy()) + 1)
        return next(w for w in self._pool if w.item is None)

    def _finished(
        self, running: dict[int, tuple[Any, float | None]]
    ) -> Iterator[tuple[Any, Any | None]]:
        """Wait for the first reply or stop time; yield what ended, stopped work with None."""
        limits = [stop for _item, stop in running.values() if stop is not None]
        timeout = None if not limits else max(0.0, min(limits) - time.time())
        for number, value in self._replies(timeout):
            yield running.pop(number)[0], value
        now = time.time()
        for worker in self._busy():
            assert worker.item is not None
            stop_at = running[worker.item][1]
            if stop_at is not None and now >= stop_at:
                worker.kill()
                self._pool.remove(worker)
                yield running.pop(worker.item)[0], None

    def _check_open(self) -> None:
        if self._closed:
            raise BackendError("this executor session is closed; open a new one")

    def close(self) -> None:
        self._closed = True
        for worker in self._pool:
            worker.ask_to_stop()
        for worker in self._pool:
            worker.wait_stopped()
        self._pool = []
        self._payload = None

    def _grow(self, size: int) -> None:
        # An idle worker lost between maps (the OOM killer, say) had no work: replace it.
        for worker in [w for w in self._pool if not w.process.is_alive()]:
            worker.wait_stopped()
            self._pool.remove(worker)
        if len(self._pool) >= size:
            return
        if self._payload is None:
            self._payload = ForkingPickler.dumps(self.shared)
        new = [Worker.spawn(self._spawned + i) for i in range(size - len(self._pool))]
        self._spawned += len(new)
        try:
            # All are booting at once; each send waits only for its own worker to be ready.
            for worker in new:
                worker.send_shared(self._payload)
        except BaseException:
            for worker in new:  # some may still wait for `shared`: none may join the pool
                worker.kill()
            raise
        self._pool.extend(new)

    def _busy(self) -> list[Worker]:
        return [w for w in self._pool if w.item is not None]

    def _dispatch(self, fn: Callable[[Any, T], R], items: Sequence[T], queue: deque[int]) -> None:
        for worker in self._pool:
            if not queue:
                return
            if worker.item is None:
                index = queue.popleft()
                worker.start(index, fn, items[index])

    def _collect(self, results: list[Any], timeout: float | None) -> None:
        """Store the replies that arrive within `timeout` (a worker's death counts as one)."""
        for index, value in self._replies(timeout):
            results[index] = value

    def _replies(self, timeout: float | None) -> list[tuple[int, Any]]:
        """(item index, result) of each busy worker that answers within `timeout`."""
        busy = {w.conn: w for w in self._busy()}
        ready = wait([*busy, *(w.process.sentinel for w in busy.values())], timeout)
        replies = []
        for conn, worker in busy.items():
            if conn in ready or worker.process.sentinel in ready:
                index, (ok, value) = worker.receive()
                if not ok:
                    value.raise_again(f"a worker (process {worker.process.pid}) on item {index}")
                replies.append((index, value))
        return replies

    def _stop_busy(self) -> None:
        """Kill workers still on an item (past the deadline, or the map failed): no stale work."""
        busy = self._busy()
        for worker in busy:
            worker.kill()
        self._pool = [w for w in self._pool if w not in busy]


class LocalExecutor:
    """A process pool of `workers` spawned processes. Each session has its own processes."""

    name = "local"

    def __init__(self, *, workers: int) -> None:
        self.workers = workers
        self._open: list[LocalSession] = []

    @contextmanager
    def session(self, shared: object) -> Iterator[Session]:
        session = LocalSession(shared, workers=self.workers)
        self._open.append(session)
        try:
            yield session
        finally:
            session.close()
            self._open.remove(session)

    def close(self) -> None:
        for session in self._open:
            session.close()
