"""Executors: run `fn(shared, item)` over items in parallel, locally or on Ray, in item order."""

from __future__ import annotations

from modelward.backends.executor.base import Executor, Session
from modelward.backends.executor.local import LocalExecutor
from modelward.cpus import usable_cpus
from modelward.errors import InputError

KINDS = ("local", "ray")


def open_executor(
    kind: str = "local", *, workers: int | None = None, address: str | None = None
) -> Executor:
    """The executor for `kind`; `workers` defaults to the CPUs this process may use (the
    cluster's, on Ray).

    "local" is a pool of spawned processes, started lazily. "ray" starts a local Ray instance,
    or with `address` ("auto" or "HOST:PORT") connects to a running cluster; it needs the
    `modelward[ray]` extra.
    """
    if workers is not None and workers < 1:
        raise InputError.field("--workers", workers, "a whole number >= 1")
    if kind == "local":
        if address is not None:
            raise InputError.field("--ray-address", address, "no address with --executor local")
        return LocalExecutor(workers=workers or usable_cpus())
    if kind == "ray":
        # Imported here: the module itself is light, but keeps Ray out of every other path.
        from modelward.backends.executor.raycluster import RayExecutor

        return RayExecutor.connect(workers=workers, address=address)
    raise InputError.field("--executor", kind, " or ".join(KINDS))


__all__ = ["KINDS", "Executor", "Session", "open_executor"]
