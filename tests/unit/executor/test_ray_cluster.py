"""Joining a running Ray cluster, as a team does: by HOST:PORT and by Ray Client (ray://),
with the cluster's token authentication, after checking that its workers run our versions."""

from __future__ import annotations

import pytest
import ray

from modelward.backends.executor import open_executor
from modelward.backends.executor.raycluster import PINNED, worker_versions

pytestmark = pytest.mark.heavy


@pytest.mark.parametrize("kind", ["HOST:PORT", "ray://"])
def test_joining_a_cluster_checks_its_workers_and_uses_its_cpus(
    ray_head: tuple[str, str], kind: str
) -> None:
    address = ray_head[0] if kind == "HOST:PORT" else ray_head[1]
    executor = open_executor("ray", address=address)
    try:
        assert executor.workers == 2  # the cluster's CPUs, not this machine's count
        theirs = ray.get(ray.remote(worker_versions).remote(), timeout=60)
    finally:
        executor.close()
    assert theirs == worker_versions()
    assert set(theirs) == set(PINNED)
    assert not ray.is_initialized()
