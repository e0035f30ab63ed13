"""A real HTTP server on 127.0.0.1 (uvicorn in a thread) over a served workspace."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

import modelward
from modelward.api.app import ServeConfig, create_app
from modelward.api.security import EdgeConfig
from tests.unit.serving.conftest import churn_rows

__all__ = ["churn_rows", "job_result", "running"]


@contextmanager
def running(
    home: Path,
    *,
    edge: EdgeConfig | None = None,
    actor: str = "ana",
    poll_interval: float = 0.2,
    log_interval: float = 0.2,
    redis_url: str | None = None,
) -> Iterator[httpx.Client]:
    """Serve `home` until the block ends (a clean shutdown); yields a client bound to it."""
    ws = modelward.open(home=home, actor=actor, redis_url=redis_url)
    config = ServeConfig(edge or EdgeConfig(auth=False), poll_interval, log_interval)
    app = create_app(ws, config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a busy machine is slow, not broken
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        # Some routes train (a job after the team-mode issue); under load that takes minutes,
        # and pytest-timeout, not the client, is what catches a request that hangs.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=240) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
        ws.close()


def job_result(client: httpx.Client, started: httpx.Response, **headers: str) -> dict[str, Any]:
    """The finished job a 202 answered with (polled until it is no longer running)."""
    assert started.status_code == 202, started.text
    url = started.headers["location"]
    deadline = time.monotonic() + 240  # training under load takes minutes
    while True:
        job: dict[str, Any] = client.get(url, headers=headers).json()
        if job["status"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.2)
