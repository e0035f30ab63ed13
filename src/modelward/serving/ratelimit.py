"""Rate limits: one token bucket per key (a user, a connection), in process or through Redis.

A bucket holds at most `burst` tokens and refills at `rate` tokens per second. A request is let
through while the bucket holds at least one token and takes its `cost` (the rows it scores):
a batch larger than what is left runs the bucket into debt, which later requests wait out, so a
caller is held to `rate` rows per second however it packs them into requests. `LocalLimiter`
keeps buckets in this process; `RedisLimiter` keeps them in Redis, so several server replicas
enforce one limit. `open_limiter` picks one from a URL.

When Redis cannot be reached the limiter fails closed: `allow` raises `BackendError` (HTTP 503)
instead of letting traffic through unmetered. A limit that silently stops applying when its store
is down would let one client take every replica's capacity, and the extraction detection that
relies on these limits would stop throttling; a 503 is visible, retried by clients, and alerts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from modelward.errors import BackendError, InputError

if TYPE_CHECKING:
    import redis

REDIS_SCHEMES = ("redis", "rediss", "unix")
DEFAULT_PREFIX = "modelward:ratelimit:"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one request: whether it may go, else when to retry (seconds); the tokens
    left in the bucket after this request."""

    allowed: bool
    retry_after: float
    remaining: float


class Limiter(Protocol):
    """A token-bucket limiter. Implementations are thread-safe."""

    def allow(self, key: str, rate: float, burst: float, cost: float = 1.0) -> Decision:
        """Take `cost` tokens from `key`'s bucket (`rate` per second, `burst` at most) if it
        holds at least one; the bucket may go below zero by what a large request costs."""
        ...

    def close(self) -> None:
        """Release connections; the limiter is not used afterwards."""
        ...

    @property
    def problem(self) -> str | None:
        """Why the limiter refuses every request now (its backend is down), or None."""
        ...


def check_limit(rate: float, burst: float, cost: float = 1.0) -> None:
    """`InputError` unless `rate` > 0 per second, `burst` >= 1 (else no request could pass) and
    `cost` >= 0."""
    if not _finite(rate) or rate <= 0:
        raise InputError.field("rate", rate, "rows per second > 0")
    if not _finite(burst) or burst < 1:
        raise InputError.field("burst", burst, "a number of rows >= 1")
    if not _finite(cost) or cost < 0:
        raise InputError.field("cost", cost, "a number of rows >= 0")


class LocalLimiter:
    """Buckets in this process's memory: thread-safe, O(1) amortized per call.

    Buckets that have refilled completely are dropped once the number of keys has doubled since
    the last sweep (an idle full bucket is the same as no bucket), so memory follows the number
    of recently active keys.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, sweep_at: int = 1024
    ) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float, float]] = {}  # key -> tokens, time, full at
        self._lock = threading.Lock()
        self._min_sweep = sweep_at
        self._sweep_at = sweep_at

    def allow(self, key: str, rate: float, burst: float, cost: float = 1.0) -> Decision:
        check_limit(rate, burst, cost)
        with self._lock:
            now = self._clock()
            state = self._buckets.get(key)
            tokens = burst if state is None else min(burst, state[0] + (now - state[1]) * rate)
            decision = _take(tokens, rate, cost)
            left = decision.remaining
            self._buckets[key] = (left, now, now + (burst - left) / rate)
            if len(self._buckets) > self._sweep_at:
                self._sweep(now)
            return decision

    @property
    def problem(self) -> str | None:
        return None  # in process: nothing to be down

    def close(self) -> None:
        with self._lock:
            self._buckets.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def _sweep(self, now: float) -> None:
        self._buckets = {k: v for k, v in self._buckets.items() if v[2] > now}
        self._sweep_at = max(self._min_sweep, 2 * len(self._buckets))


# Refill and take in one atomic step, timed by the Redis server's clock so that replicas whose
# clocks disagree still share one bucket. A bucket expires once it would be full again, since a
# full bucket and a missing one mean the same. Numbers go back as strings: Redis would truncate
# Lua numbers to integers.
_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'time')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - cost
  allowed = 1
else
  retry = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'time', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, string.format('%.17g', retry), string.format('%.17g', tokens)}
"""


class RedisLimiter:
    """Buckets in Redis, shared by every replica using the same `url` and `prefix`.

    One round trip per call: an atomic Lua script refills and takes. Thread-safe (the client's
    connection pool is). Connects on first use, with `timeout` seconds for connecting and each
    call. Raises `BackendError` (503) when Redis fails: it fails closed, see the module's
    docstring. A failure opens a circuit: calls fail at once without waiting on Redis while a
    background thread pings it every `cooldown` seconds and closes the circuit when it answers.
    A hung Redis costs one request its timeout, not every request, and no request is the one
    that waits to find it back (callers run on an event loop every other request waits on).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = 0.2,
        cooldown: float = 2.0,
    ) -> None:
        import redis

        self.url = url
        self.prefix = prefix
        self.cooldown = cooldown
        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._script = self._client.register_script(_SCRIPT)
        self._failure: str | None = None  # set while the circuit is open
        self._probing = threading.Lock()
        self._closed = threading.Event()

    @property
    def problem(self) -> str | None:
        """Why the limiter refuses requests now (its circuit is open), or None."""
        return self._failure

    def allow(self, key: str, rate: float, burst: float, cost: float = 1.0) -> Decision:
        import redis

        check_limit(rate, burst, cost)
        failing = self.problem
        if failing is not None:
            raise BackendError(failing)
        try:
            reply = self._script(
                keys=[self.prefix + key], args=[repr(rate), repr(burst), repr(float(cost))]
            )
        except redis.RedisError as exc:
            self._failure = (
                f"rate limiter: Redis at {_safe(self.url)} failed ({exc}); requests are refused "
                "until it is back: check that Redis runs and MODELWARD_REDIS_URL"
            )
            self._start_probe()
            raise BackendError(self._failure) from exc
        allowed, retry, remaining = reply
        return Decision(bool(int(allowed)), float(retry), float(remaining))

    def close(self) -> None:
        self._closed.set()
        self._client.close()

    def _start_probe(self) -> None:
        if self._probing.acquire(blocking=False):  # one probe at a time
            threading.Thread(target=self._probe, name="redis-probe", daemon=True).start()

    def _probe(self) -> None:
        import redis

        answered = False
        while not answered and not self._closed.wait(self.cooldown):
            try:
                self._client.ping()
                answered = True
            except redis.RedisError:
                continue
        # Released first: a failure from here on starts a probe of its own.
        self._probing.release()
        if answered:
            self._failure = None  # back: the next request goes to Redis again


def open_limiter(redis_url: str | None, *, prefix: str = DEFAULT_PREFIX) -> Limiter:
    """A `RedisLimiter` for a `redis://`, `rediss://` or `unix://` URL, else a `LocalLimiter`."""
    if redis_url is None or not redis_url.strip():
        return LocalLimiter()
    scheme = urlsplit(redis_url.strip()).scheme
    if scheme not in REDIS_SCHEMES:
        known = ", ".join(f"{s}://" for s in REDIS_SCHEMES)
        raise InputError.field("MODELWARD_REDIS_URL", _safe(redis_url), f"a URL starting {known}")
    try:
        return RedisLimiter(redis_url.strip(), prefix=prefix)
    except ValueError as exc:
        raise InputError.field(
            "MODELWARD_REDIS_URL", _safe(redis_url), f"a valid URL ({exc})"
        ) from exc


def _take(tokens: float, rate: float, cost: float) -> Decision:
    if tokens >= 1:
        return Decision(True, 0.0, tokens - cost)
    return Decision(False, (1 - tokens) / rate, tokens)


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _safe(url: str) -> str:
    """The URL without its credentials, for messages."""
    head, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{head}://***@{rest.split('@', 1)[1]}"
    return url
