"""The Ray executor: items as Ray tasks of one CPU each, `shared` put in the object store once.

Ray is an optional extra, imported only when this executor is opened.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from modelward.backends.executor.base import (
    THREAD_ENV,
    Ask,
    Asking,
    Session,
    limit_threads,
    seconds_left,
)
from modelward.cpus import usable_cpus
from modelward.errors import BackendError, InputError

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("modelward.executor")

_REACH_TIMEOUT = 5.0
# How long stopping tasks may take before we give up confirming it, and how often to re-cancel.
_STOP_CONFIRM_SECONDS = 10.0
_STOP_RECHECK_SECONDS = 0.25


def run_item(fn: Callable[[Any, Any], Any], shared: object, item: object) -> Any:
    """The body of every Ray task: the same thread configuration as a local worker, then `fn`."""
    limit_threads()
    return fn(shared, item)


class RaySession:
    """Items run as Ray tasks, at most `workers` at a time, all reading `shared_ref`.

    Not thread-safe: one `map` or `stream` at a time. Tasks still running at their deadline are
    cancelled with force (their worker processes are killed; Ray starts new ones when needed).
    """

    def __init__(self, ray: Any, shared_ref: Any, *, workers: int) -> None:
        self.ray = ray
        self.shared_ref = shared_ref
        self.workers = workers
        # No retries: a task whose worker died must surface as an error, not run again.
        self._task = ray.remote(num_cpus=1, max_retries=0)(run_item)

    def map(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, deadline: float | None = None
    ) -> list[R | None]:
        results: list[R | None] = [None] * len(items)
        queue = deque(range(len(items)))
        running: dict[Any, int] = {}
        try:
            while queue or running:
                left = seconds_left(deadline)
                if left == 0.0:
                    self._collect(results, running, 0.0)  # what finished just in time counts
                    break
                while queue and len(running) < self.workers:
                    index = queue.popleft()
                    running[self._task.remote(fn, self.shared_ref, items[index])] = index
                self._collect(results, running, left)
        finally:
            self._stop(list(running))
        return results

    def stream(
        self, fn: Callable[[Any, T], R], ask: Ask[T]
    ) -> Generator[tuple[T, R | None], None, None]:
        running: dict[Any, tuple[int, T, float | None]] = {}  # ref -> (number, item, stop_at)
        asking = Asking(ask)
        try:
            while True:
                for number, item, stop_at in asking.take(self.workers - len(running)):
                    ref = self._task.remote(fn, self.shared_ref, item)
                    running[ref] = (number, item, stop_at)
                if not running:
                    return
                yield from self._finished(running)
        finally:
            self._stop(list(running))

    def _finished(
        self, running: dict[Any, tuple[int, Any, float | None]]
    ) -> Iterator[tuple[Any, Any | None]]:
        """Wait for the first task to end or reach its stop time; yield those, stopped with None."""
        limits = [stop for _n, _item, stop in running.values() if stop is not None]
        timeout = None if not limits else max(0.0, min(limits) - time.time())
        done, _ = self.ray.wait(list(running), num_returns=1, timeout=timeout)
        for ref in done:
            number, item, _stop = running.pop(ref)
            yield item, self._get(ref, number)
        now = time.time()
        late = [ref for ref, (_n, _i, stop) in running.items() if stop is not None and now >= stop]
        self._stop(late)
        for ref in late:
            yield running.pop(ref)[1], None

    def _stop(self, refs: list[Any]) -> None:
        """Cancel `refs` with force and wait until each has ended, cancelling again those that
        have not: Ray can lose a cancel that reaches a task while it is being handed to a worker,
        and a task that kept running would do work, and write files, after we said it stopped."""
        until = time.time() + _STOP_CONFIRM_SECONDS
        pending = refs
        while pending:
            for ref in pending:
                self.ray.cancel(ref, force=True)
            left = until - time.time()
            if left <= 0:
                log.warning("%d Ray task(s) did not confirm they stopped", len(pending))
                return
            _done, pending = self.ray.wait(
                pending, num_returns=len(pending), timeout=min(left, _STOP_RECHECK_SECONDS)
            )

    def _collect(self, results: list[Any], running: dict[Any, int], timeout: float | None) -> None:
        wanted = len(running) if timeout == 0.0 else 1
        done, _ = self.ray.wait(list(running), num_returns=wanted, timeout=timeout)
        for ref in done:
            index = running.pop(ref)
            results[index] = self._get(ref, index)

    def _get(self, ref: Any, index: int) -> Any:
        errors = self.ray.exceptions
        try:
            return self.ray.get(ref)
        except errors.RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, Exception) and not isinstance(cause, errors.RayError):
                cause.add_note(f"raised in a Ray task on item {index}:\n{exc}")
                raise cause from None
            raise BackendError(f"the trial function failed on item {index}: {exc}") from exc
        except errors.RayError as exc:
            raise BackendError(
                f"a Ray worker failed on item {index} ({type(exc).__name__}): {exc}"
            ) from exc


class RayExecutor:
    """Runs sessions on a Ray instance: one started here (`owned`) or a running cluster.

    `close()` shuts Ray down only if this executor started or connected it.
    """

    name = "ray"

    def __init__(self, ray: Any, *, workers: int, owned: bool) -> None:
        self.ray = ray
        self.workers = workers
        self.owned = owned

    @classmethod
    def connect(cls, *, workers: int | None, address: str | None) -> RayExecutor:
        """Start a local Ray instance (`address` None) or connect to "auto" / "HOST:PORT".

        Where this process is already connected to Ray, that connection is used as it is.
        """
        ray = import_ray()
        # Ray's own RAY_ADDRESS names a cluster to join: never pass local resource counts to it.
        address = address or os.environ.get("RAY_ADDRESS") or None
        if address is not None:
            _check_reachable(address)
        owned = not ray.is_initialized()
        if owned:
            _init(ray, workers=workers, address=address)
            if address is not None:
                _check_worker_versions(ray, address)
        slots = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        return cls(ray, workers=slots, owned=owned)

    @contextmanager
    def session(self, shared: object) -> Iterator[Session]:
        try:
            shared_ref = self.ray.put(shared)
        except self.ray.exceptions.RayError as exc:
            raise BackendError(f"cannot put the shared data in Ray's object store: {exc}") from exc
        # Dropping the session (and with it the only reference) frees the object.
        yield RaySession(self.ray, shared_ref, workers=self.workers)

    def close(self) -> None:
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise InputError.field(
            "--executor", "ray", "Ray installed: pip install 'modelward[ray]'"
        ) from exc
    return ray


def _init(ray: Any, *, workers: int | None, address: str | None) -> None:
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        # Set before a worker process imports anything: see THREAD_ENV.
        "runtime_env": {"env_vars": dict(THREAD_ENV)},
    }
    if address is None:
        # Read by the Ray processes started here; there is no ray.init argument for it.
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        ray.init(num_cpus=workers or usable_cpus(), **options)
        return
    _use_token_if_any()
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise BackendError(
            f"ray_address: cannot connect to Ray at {address!r}: {exc}; a cluster with token "
            "authentication needs RAY_AUTH_TOKEN (or the token file) set here too"
        ) from exc


# What a trial's result depends on: a worker with other versions would fit other models.
PINNED = ("modelward", "numpy", "scikit-learn", "lightgbm", "polars", "onnxruntime")
_VERSION_CHECK_SECONDS = 120.0


def worker_versions() -> dict[str, str | None]:
    """The PINNED packages' versions where this runs (a Ray worker imports it by name, so a
    node without modelward fails here, before any trial)."""
    from importlib import metadata

    found: dict[str, str | None] = {}
    for name in PINNED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _check_worker_versions(ray: Any, address: str) -> None:
    """A cluster's workers must run the versions this process runs; say which differ."""
    try:
        theirs = ray.get(ray.remote(worker_versions).remote(), timeout=_VERSION_CHECK_SECONDS)
    except Exception as exc:
        ray.shutdown()
        raise BackendError(
            f"ray_address {address!r}: the cluster's workers cannot run modelward ({exc}); "
            "install the same modelward (and its locked dependencies) on every node, or start "
            "the cluster from an image built from this lockfile"
        ) from exc
    ours = worker_versions()
    differ = [f"{n} {theirs.get(n)} there, {v} here" for n, v in ours.items() if theirs.get(n) != v]
    if differ:
        ray.shutdown()
        raise InputError(
            f"ray_address {address!r}: the cluster's workers run other versions ("
            + "; ".join(differ)
            + "): trials there would fit other models; install this lockfile's versions on "
            "every node"
        )


def _use_token_if_any() -> None:
    """Join a token-authenticated cluster (Ray's default) with the token found here, as the
    `ray` command does: RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token. Ray Client
    connections do not look for it themselves and time out without it."""
    try:
        from ray._private.authentication import authentication_token_setup as auth
    except ImportError:  # a Ray without token authentication
        return
    auth.maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def _check_reachable(address: str) -> None:
    """Fail fast: ray.init retries an unreachable address for minutes before giving up."""
    if address == "auto":
        return  # Ray finds the local cluster itself and fails at once when there is none
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise InputError.field(
            "ray_address (--ray-address, RAY_ADDRESS)",
            address,
            "'auto', HOST:PORT of a running Ray cluster or ray://HOST:PORT (Ray Client)",
        )
    try:
        with socket.create_connection((host, int(port)), timeout=_REACH_TIMEOUT):
            pass
    except OSError as exc:
        raise BackendError(
            f"ray_address: cannot reach Ray at {address!r}: {exc}; check the address, "
            "the cluster (`ray status` on its head) and the firewall"
        ) from exc
