"""`modelward serve` as a real process on 127.0.0.1, over a copy of the served workspace."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

READY_SECONDS = 60


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> bool:
        """A clean shutdown (SIGTERM): uvicorn drains requests, the log is flushed. True when
        the process ended by the signal after its shutdown (uvicorn re-raises it) or with 0."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self._close()
        return code in (0, -signal.SIGTERM)

    def crash(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.kill()
        self.process.wait(30)
        self._close()

    def _close(self) -> None:
        if self.process.stderr is not None:
            self.process.stderr.close()


Start = Callable[..., Server]


@pytest.fixture
def served_copy(served: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(served, tmp_path / "ws"))


def modelward(home: Path, *args: str, user: str = "ana") -> subprocess.CompletedProcess[str]:
    """The real command line, as a separate process."""
    env = {**os.environ, "MODELWARD_USER": user}
    command = [sys.executable, "-m", "modelward", "--home", str(home), *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def deploy_default(home: Path, model: str = "churn/v1") -> None:
    done = modelward(home, "deploy", "create", "default", "--model", model)
    assert done.returncode == 0, done.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def start(served_copy: Path) -> Iterator[Start]:
    """`start(*flags, env=...)` runs `modelward serve` and waits until /readyz says ready."""
    started: list[Server] = []

    def run(*flags: str, env: dict[str, str] | None = None, home: Path = served_copy) -> Server:
        port = free_port()
        command = [sys.executable, "-m", "modelward", "--home", str(home), "serve"]
        command += ["--port", str(port), *flags]
        environment = {**os.environ, "MODELWARD_USER": "ana", **(env or {})}
        process = subprocess.Popen(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        server = Server(f"http://127.0.0.1:{port}", process)
        started.append(server)
        _wait_ready(server)
        return server

    yield run
    for server in started:
        if server.process.poll() is None:
            server.crash()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            stderr = server.process.stderr.read().decode() if server.process.stderr else ""
            server.crash()
            pytest.fail(f"server exited with {server.process.returncode}: {stderr}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail("server did not become ready")
