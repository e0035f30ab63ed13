"""One process of the local pool: spawned, sent `shared` once, then one item at a time.

The parent talks to each worker over its own pipe: first the pickled `shared` (the pool's
initializer), then `(fn, item)` messages answered by `(True, result)` or `(False, Failure)`, and
`None` to stop. A worker the parent no longer wants is killed; nothing else ends its work.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from modelward.backends.executor.base import THREAD_ENV, limit_threads
from modelward.backends.executor.failure import Failure
from modelward.errors import BackendError, InputError

Reply = tuple[bool, Any]

# The parent holds OpenMP thread pools (LightGBM, XGBoost): a forked child would inherit them
# in a broken state, so workers always start from a fresh interpreter.
_CONTEXT = multiprocessing.get_context("spawn")
_STOP_WAIT = 2.0
# The usual cause of a worker failing as it starts: a spawned worker imports the caller's main
# module, and a script without this guard starts its work again inside each worker, which
# Python refuses.
_SPAWN_HINT = (
    "If it was started from a script, put the script's top-level code under "
    '`if __name__ == "__main__":` (workers are spawned processes that import it)'
)


class Worker:
    """The parent's handle on one worker process. Owned by a single session; not thread-safe."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.item: int | None = None

    @classmethod
    def spawn(cls, number: int) -> Worker:
        """Start a worker process; it waits for `shared` (see `send_shared`)."""
        parent, child = _CONTEXT.Pipe(duplex=True)
        process = _CONTEXT.Process(
            target=serve, args=(child,), name=f"modelward-worker-{number}", daemon=True
        )
        process.start()
        child.close()
        return cls(process, parent)

    def send_shared(self, payload: memoryview) -> None:
        try:
            self.conn.send_bytes(payload)
        except OSError as exc:
            self.process.join(_STOP_WAIT)
            raise BackendError(f"a worker died while starting: {self.describe_exit()}") from exc

    def start(self, index: int, fn: Callable[[Any, Any], Any], item: object) -> None:
        """Send item `index` to this idle worker."""
        try:
            self.conn.send((fn, item))
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise InputError.field(
                "fn", fn, f"a module-level function and picklable items (cannot send: {exc})"
            ) from exc
        except OSError as exc:
            self.process.join(_STOP_WAIT)
            raise BackendError(f"a worker is gone: {self.describe_exit()}") from exc
        self.item = index

    def receive(self) -> tuple[int, Reply]:
        """The item in flight and its reply; raises BackendError if the worker died instead."""
        index = self.item
        assert index is not None, "receive() without an item in flight"
        try:
            reply: Reply = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.process.join(_STOP_WAIT)
            raise BackendError(
                f"a worker died while running item {index}: {self.describe_exit()}"
            ) from exc
        self.item = None
        return index, reply

    def describe_exit(self) -> str:
        code = self.process.exitcode
        if code is None:
            return f"process {self.process.pid} stopped answering"
        if code < 0:
            return f"process {self.process.pid} was killed by {signal.Signals(-code).name}"
        # `serve` answers every error of a function; an exit with 1 is an error outside it.
        hint = f". {_SPAWN_HINT}" if code == 1 else ""
        return f"process {self.process.pid} exited with code {code}{hint}"

    def kill(self) -> None:
        """Stop at once, whatever it is doing."""
        self.process.kill()
        self.process.join(_STOP_WAIT)
        self.conn.close()

    def ask_to_stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone: nothing to ask
            self.conn.send(None)

    def wait_stopped(self) -> None:
        self.process.join(_STOP_WAIT)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_STOP_WAIT)
        self.conn.close()


def serve(conn: Connection) -> None:
    """Entry point of a worker process."""
    # Ctrl-C reaches the whole process group; the parent handles it and stops its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(THREAD_ENV)
    shared = conn.recv()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return  # the parent is gone
        except Exception as exc:  # the function or item cannot be loaded here
            conn.send((False, Failure.of(exc)))
            continue
        if task is None:
            return
        _answer(conn, _run(shared, *task))


def _run(shared: object, fn: Callable[[Any, Any], Any], item: object) -> Reply:
    limit_threads()
    try:
        return True, fn(shared, item)
    except Exception as exc:
        return False, Failure.of(exc)


def _answer(conn: Connection, reply: Reply) -> None:
    try:
        conn.send(reply)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        # Connection.send pickles before it writes: the pipe holds nothing of the failed reply.
        error = BackendError(f"the trial function's result cannot be sent back: {exc}")
        conn.send((False, Failure.of(error)))
