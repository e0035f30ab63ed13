"""Joining a running Ray cluster, as a team does, with the cluster's token authentication,
after checking that its workers run our versions. The driver runs in a process of its own, as
a `modelward train` would: a Ray connection is process-wide state no later test should see."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modelward.backends.executor.raycluster import PINNED, worker_versions

pytestmark = pytest.mark.heavy

JOIN = """
import json, sys
import ray
from modelward.backends.executor import open_executor
from modelward.backends.executor.raycluster import worker_versions
executor = open_executor("ray", address=sys.argv[1])
theirs = ray.get(ray.remote(worker_versions).remote(), timeout=60)
print(json.dumps({"workers": executor.workers, "versions": theirs}))
executor.close()
"""


def test_joining_a_cluster_checks_its_workers_and_uses_its_cpus(
    ray_head: tuple[str, str],
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", JOIN, ray_head[0]], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["workers"] == 2  # the cluster's CPUs, not this machine's count
    assert found["versions"] == worker_versions()
    assert set(found["versions"]) == set(PINNED)
