"""Extraction evidence shared by server replicas through Redis.

One replica sees only its share of a caller's traffic: a sweep spread over four replicas looks
a quarter as wide to each. With Redis set, every replica pushes the grid cells of the rows it
scored (`ExtractionMonitor.observe` gives them) and its row counts, per model and caller, and
judges a caller on what all replicas pushed. Only cell numbers travel, never request values.
The watcher thread does this once a tick, off the request path; when Redis fails, the replica
judges on its own traffic until Redis is back (the rate limiter fails closed meanwhile anyway).

Keys: `<prefix><workspace>:<model>:<caller>:cells` (a list of the last `memory_rows` cells,
each `cell * 4 + rare * 2 + step`, a probe step being judged from the caller's row before on
the replica that scored it) and `...:volume` (a hash of per-second row counts), both expiring after
twice the window; `...:alerted:<caller>` (one alert per caller across replicas).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from modelward.errors import BackendError
from modelward.serving.extraction import MEMORY_ROWS, WINDOW_SECONDS, Cells

if TYPE_CHECKING:
    import redis

DEFAULT_PREFIX = "modelward:traffic:"


class SharedTraffic:
    """Thread-safe (the client's pool is). `workspace` keeps workspaces that share one Redis
    apart; `memory_rows` and `window` are the monitors' (`ExtractionMonitor`)."""

    def __init__(
        self,
        url: str,
        workspace: str,
        *,
        memory_rows: int = MEMORY_ROWS,
        window: float = WINDOW_SECONDS,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = 0.5,
    ) -> None:
        import redis

        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._base = f"{prefix}{workspace}:"
        self.memory_rows = memory_rows
        self.window = window

    def push(self, model: str, caller: str, cells: Cells, at: float) -> None:
        """Add rows scored for `caller` on `model` at `at` (seconds since the epoch)."""
        codes, rare, steps = (part[-self.memory_rows :] for part in cells)
        if not codes.size:
            return
        values = (codes * 4 + rare * 2 + steps).tolist()
        key = self._key(model, caller)
        expire = math.ceil(2 * self.window * 1000)
        bucket = str(math.floor(at))
        self._run(
            lambda p: (
                p.rpush(f"{key}:cells", *values)
                .ltrim(f"{key}:cells", -self.memory_rows, -1)
                .pexpire(f"{key}:cells", expire)
                .hincrby(f"{key}:volume", bucket, codes.size)
                .pexpire(f"{key}:volume", expire)
            )
        )

    def read(self, model: str, caller: str, now: float) -> tuple[Cells, int]:
        """Every replica's last rows for `caller` on `model`, and their rows in the window."""
        key = self._key(model, caller)
        listed, counts = self._run(
            lambda p: p.lrange(f"{key}:cells", 0, -1).hgetall(f"{key}:volume")
        )
        values = np.array([int(v) for v in listed], dtype=np.int64)
        # A bucket straddling the window's start counts whole, as the monitor's own do.
        volume = sum(int(n) for start, n in counts.items() if int(start) + 1 > now - self.window)
        flags = values % 4
        return (values // 4, (flags // 2).astype(np.bool_), (flags % 2).astype(np.bool_)), volume

    def first_alert(self, caller: str, every: float) -> bool:
        """True for the one replica that may alert about `caller` in the next `every` seconds."""
        key = f"{self._base}alerted:{caller}"
        (claimed,) = self._run(lambda p: p.set(key, "1", nx=True, px=math.ceil(every * 1000)))
        return bool(claimed)

    def close(self) -> None:
        self._client.close()

    def _key(self, model: str, caller: str) -> str:
        # `v2`: cells carry the probe-step bit since; a replica of an older release, still
        # running in a rolling upgrade, keeps its own keys instead of misreading these.
        return f"{self._base}{model}:{caller}:v2"

    def _run(self, build: Callable[[Any], object]) -> list[Any]:
        """`build`'s commands in one round trip; BackendError when Redis fails."""
        import redis

        try:
            pipe = self._client.pipeline(transaction=False)
            build(pipe)
            replies: list[Any] = pipe.execute()
        except redis.RedisError as exc:
            raise BackendError(f"shared traffic: Redis failed ({exc})") from exc
        return replies
