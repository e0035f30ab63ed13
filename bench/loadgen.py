"""A light HTTP/1.1 load generator, and the subprocess servers that benches measure with it.

Client and server share the machine's two cores, so the client must cost little per request:
each connection is an `asyncio.Protocol` (no coroutine per request) on uvloop, requests are
bytes built once, and an answer is parsed only as far as its status line and its framing
(Content-Length or chunked). Each connection sends its next request when the previous answer is
complete, so `connections` requests are in flight at any time (a closed loop, like wrk).

`load(...)` is importable from tests (`from bench.loadgen import load`). Run
`python bench/loadgen.py` for the client's ceiling against trivial servers (a bare asyncio
protocol, and uvicorn with a minimal ASGI app), each in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import uvloop

MAX_SAMPLES = 5  # failed answers kept to explain an error count


@dataclass(frozen=True)
class LoadResult:
    """What one timed window measured. Latencies in seconds, one per completed request."""

    seconds: float
    connections: int
    latencies: tuple[float, ...]
    statuses: Mapping[int, int]
    failures: int  # connections lost, answers missing or unparsable
    samples: tuple[str, ...] = field(default=())
    client_cpu: float = 0.0  # the client's CPU time over its wall time (1.0: one core)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        """Answers other than 200, plus failures."""
        return self.failures + sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def rate(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds

    @functools.cached_property
    def _ordered(self) -> list[float]:
        return sorted(self.latencies)

    def percentile(self, q: float) -> float:
        """Latency at quantile `q` in [0, 1] (nearest rank), in seconds; NaN without data."""
        ordered = self._ordered
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def summary(self) -> str:
        return (
            f"{self.rate:,.0f} requests/s, p50 {self.p50 * 1e3:.2f} ms, "
            f"p99 {self.p99 * 1e3:.2f} ms, errors {self.errors} of {self.requests:,} "
            f"({self.connections} connections, {self.seconds:g} s; "
            f"client CPU {self.client_cpu:.0%} of a core)"
        )


# --- HTTP/1.1 framing: just enough to find where a message ends ---


def _message(buffer: bytearray) -> tuple[bytes, int, int] | None:
    """(lowercased head, body start, body end) of the first complete message in `buffer`."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buffer[:head_end]).lower()
    start = head_end + 4
    length = _header(head, b"content-length")
    if length is not None:
        end = start + int(length)
        return (head, start, end) if end <= len(buffer) else None
    if _header(head, b"transfer-encoding") == b"chunked":
        end = _chunked_end(buffer, start)
        return None if end < 0 else (head, start, end)
    return head, start, start  # no body (a GET, a 204)


def _header(head: bytes, name: bytes) -> bytes | None:
    """The value of header `name` (lowercase) in a lowercased message head, or None."""
    at = head.find(b"\r\n" + name + b":")
    if at < 0:
        return None
    start = at + len(name) + 3
    end = head.find(b"\r\n", start)
    return head[start : end if end >= 0 else len(head)].strip()


def _chunked_end(buffer: bytearray, start: int) -> int:
    """Where a chunked body starting at `start` ends, or -1 while it is incomplete."""
    at = start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return -1
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        at = line_end + 2 + size + 2
        if at > len(buffer):
            return -1
        if size == 0:
            return at  # the servers measured here send no trailers


# --- the client ---


class _Window:
    """One run's clock (warm-up, then the recorded window) and what was recorded."""

    def __init__(self, warmup: float, seconds: float) -> None:
        self.opens = time.perf_counter() + warmup
        self.closes = self.opens + seconds
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.failures = 0
        self.samples: list[str] = []

    def answer(self, status: int, sent: float, now: float, body: bytes) -> None:
        if sent < self.opens:
            return  # warm-up traffic
        self.latencies.append(now - sent)
        self.statuses[status] += 1
        if status != 200:
            self.sample(f"{status}: {body[:300].decode(errors='replace')}")

    def fail(self, text: str) -> None:
        self.failures += 1
        self.sample(text)

    def sample(self, text: str) -> None:
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(text)


class _Client(asyncio.Protocol):
    """One keep-alive connection sending `requests` in turn, one at a time."""

    def __init__(self, window: _Window, requests: Sequence[bytes], offset: int) -> None:
        self.window = window
        self.requests = requests
        self.next = offset
        self.buffer = bytearray()
        self.sent = 0.0
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, though they behave as one.
        self.transport = cast(asyncio.Transport, transport)
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        request = self.requests[self.next % len(self.requests)]
        self.next += 1
        self.sent = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            framed = _message(self.buffer)
            status = 0 if framed is None else int(framed[0][9:12])  # "http/1.1 200 ok"
        except ValueError:
            self.window.fail(f"unparsable answer: {bytes(self.buffer[:200])!r}")
            self.finish()
            return
        if framed is None:
            return
        now = time.perf_counter()
        self.window.answer(status, self.sent, now, bytes(self.buffer[framed[1] : framed[2]]))
        del self.buffer[: framed[2]]
        if now < self.window.closes:
            self._send()
        else:
            self.finish()

    def finish(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.window.fail(f"connection lost: {exc or 'closed by the server'}")
            self.done.set_result(None)


def build_requests(
    host: str, port: int, path: str, bodies: Sequence[bytes], headers: Mapping[str, str]
) -> list[bytes]:
    """Complete HTTP/1.1 POST requests, one per body, ready to write to a socket."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return [
        (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]


async def load_async(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[bytes],
    *,
    connections: int = 8,
    seconds: float = 10.0,
    warmup: float = 1.0,
    headers: Mapping[str, str] | None = None,
    grace: float = 5.0,
) -> LoadResult:
    """`load` in a running event loop. A connection still waiting `grace` seconds after the
    window closes counts as a failure."""
    if not bodies or connections < 1 or seconds <= 0:
        raise ValueError("load needs bodies, connections >= 1 and seconds > 0")
    sent = {"Content-Type": "application/json", **(headers or {})}
    requests = build_requests(host, port, path, bodies, sent)
    loop = asyncio.get_running_loop()
    cpu, wall = time.process_time(), time.perf_counter()
    window = _Window(warmup, seconds)
    clients: list[_Client] = []
    try:
        for i in range(connections):
            # Spread the starting rows: connections do not send the same row together.
            start = i * len(requests) // connections
            factory = functools.partial(_Client, window, requests, start)
            clients.append((await loop.create_connection(factory, host, port))[1])
        remaining = window.closes + grace - time.perf_counter()
        _, late = await asyncio.wait([c.done for c in clients], timeout=max(remaining, 0.1))
        for _ in late:
            window.fail("no answer within the grace period after the window closed")
    finally:
        for client in clients:
            client.finish()
    busy = (time.process_time() - cpu) / (time.perf_counter() - wall)
    statuses, samples = dict(window.statuses), tuple(window.samples)
    latencies = tuple(window.latencies)
    return LoadResult(seconds, connections, latencies, statuses, window.failures, samples, busy)


def load(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[bytes],
    *,
    connections: int = 8,
    seconds: float = 10.0,
    warmup: float = 1.0,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """POST `bodies` (JSON, cycled) to `path` over `connections` keep-alive connections: a
    `warmup` unrecorded, then `seconds` recorded. Runs its own uvloop event loop."""
    job = load_async(
        host,
        port,
        path,
        bodies,
        connections=connections,
        seconds=seconds,
        warmup=warmup,
        headers=headers,
    )
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(job)


# --- servers under test: subprocesses on free ports ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def spawned(
    command: Sequence[str], port: int, health: str, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[None]:
    """A server process (its own process group: servers fork workers), output into `log`,
    until GET `health` on 127.0.0.1:`port` answers 200; RuntimeError, with the log's end, if
    it exits or stays silent for 90 s. Stopped (the whole group) on exit."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(port, health, process, log)
        yield
    finally:
        _stop(process)


def _wait_healthy(port: int, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    url = f"http://127.0.0.1:{port}{path}"
    end = time.monotonic() + 90
    while time.monotonic() < end and process.poll() is None:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-1500:]
    raise RuntimeError(f"no 200 from {url} (exit code {process.poll()}); its log ends:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)
            return


# --- trivial servers: what the client (and bare uvicorn) can do on this machine ---

ANSWER = b'{"predictions": [{"prediction": "No"}]}'


class _TrivialServer(asyncio.Protocol):
    """Answers every request, GET or POST, with the same small JSON."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (framed := _message(self.buffer)) is not None:
            del self.buffer[: framed[2]]
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            self.transport.write(head + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER)


async def _trivial_asgi(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": ANSWER})


def serve_trivial(kind: str, port: int) -> None:
    """Serve forever on 127.0.0.1: `asyncio` (a bare protocol) or `uvicorn` (minimal ASGI)."""
    if kind == "uvicorn":
        import uvicorn

        uvicorn.run(_trivial_asgi, host="127.0.0.1", port=port, log_level="warning")
        return

    async def forever() -> None:
        loop = asyncio.get_running_loop()
        await (await loop.create_server(_TrivialServer, "127.0.0.1", port)).serve_forever()

    uvloop.run(forever())


@contextlib.contextmanager
def trivial_server(kind: str, log: Path) -> Iterator[int]:
    """A trivial server (`asyncio` or `uvicorn`) in its own process; yields its port."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    with spawned(command, port, "/", log):
        yield port


def main() -> None:
    parser = argparse.ArgumentParser(description="The load client's ceiling on this machine.")
    parser.add_argument("--serve", choices=("asyncio", "uvicorn"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=5.0, help="recorded window per server")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if args.serve:
        serve_trivial(args.serve, args.port)
        return
    body = b'{"dataframe_records": [{"tenure": 1}]}'
    for kind in ("asyncio", "uvicorn"):
        log = Path(os.devnull)
        with trivial_server(kind, log) as port:
            found = load(
                "127.0.0.1", port, "/", [body], connections=args.connections, seconds=args.seconds
            )
        print(f"client against a trivial {kind} server: {found.summary()}")


if __name__ == "__main__":
    main()
