"""Joining a running Ray cluster, as a team does: by HOST:PORT and by Ray Client (ray://),
with the cluster's token authentication, after checking that its workers run our versions."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from modelward.backends.executor import open_executor
from modelward.backends.executor.raycluster import PINNED, worker_versions

pytestmark = pytest.mark.heavy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A Ray head of its own (its own ports and temp folder): (HOST:PORT, ray://HOST:PORT)."""
    gcs, client = _free_port(), _free_port()
    temp = tmp_path_factory.mktemp("ray")
    ray_cli = Path(sys.executable).parent / "ray"
    head = subprocess.Popen(
        [
            str(ray_cli), "start", "--head", "--block", f"--port={gcs}",
            f"--ray-client-server-port={client}", "--num-cpus=2", "--include-dashboard=false",
            "--disable-usage-stats", f"--temp-dir={temp}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # stopped as a group: never `ray stop`, which stops every Ray
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", client), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"127.0.0.1:{gcs}", f"ray://127.0.0.1:{client}"
    os.killpg(head.pid, signal.SIGTERM)
    head.wait(60)


@pytest.mark.parametrize("kind", ["HOST:PORT", "ray://"])
def test_joining_a_cluster_checks_its_workers_and_uses_its_cpus(
    cluster: tuple[str, str], kind: str
) -> None:
    address = cluster[0] if kind == "HOST:PORT" else cluster[1]
    executor = open_executor("ray", address=address)
    try:
        assert executor.workers == 2  # the cluster's CPUs, not this machine's count
        theirs = ray.get(ray.remote(worker_versions).remote(), timeout=60)
    finally:
        executor.close()
    assert theirs == worker_versions()
    assert set(theirs) == set(PINNED)
    assert not ray.is_initialized()
