"""Token buckets: burst then refusal, refill, key isolation, atomicity, replicas sharing Redis."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis

from modelward.errors import BackendError, InputError
from modelward.serving.ratelimit import (
    Decision,
    Limiter,
    LocalLimiter,
    RedisLimiter,
    open_limiter,
)

SLOW = 0.001  # requests per second: nothing refills during a test


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    chosen = f"mw-test:{uuid.uuid4().hex}:"
    yield chosen
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{chosen}*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["local", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[Limiter]:
    if request.param == "local":
        chosen: Limiter = LocalLimiter()
    else:
        url = request.getfixturevalue("redis_url")
        chosen = RedisLimiter(url, prefix=request.getfixturevalue("prefix"))
    yield chosen
    chosen.close()


def test_a_burst_passes_then_requests_are_refused(limiter: Limiter) -> None:
    taken = [limiter.allow("tok", 1.0, 3) for _ in range(3)]
    assert all(d.allowed and d.retry_after == 0 for d in taken)
    assert [d.remaining for d in taken] == pytest.approx([2, 1, 0], abs=0.05)
    refused = limiter.allow("tok", 1.0, 3)
    assert not refused.allowed
    assert 0.9 <= refused.retry_after <= 1.0


def test_buckets_refill_at_the_rate(limiter: Limiter) -> None:
    assert limiter.allow("tok", 4.0, 1).allowed
    refused = limiter.allow("tok", 4.0, 1)
    assert not refused.allowed
    assert 0 < refused.retry_after <= 0.25
    time.sleep(refused.retry_after + 0.05)
    assert limiter.allow("tok", 4.0, 1).allowed


def test_a_batch_costs_its_rows_and_a_large_one_runs_the_bucket_into_debt(
    limiter: Limiter,
) -> None:
    assert limiter.allow("tok", 10.0, 20, cost=15).remaining == pytest.approx(5, abs=0.1)
    big = limiter.allow("tok", 10.0, 20, cost=100)  # allowed: the bucket held a row's worth
    assert big.allowed
    assert big.remaining == pytest.approx(-95, abs=0.1)
    waiting = limiter.allow("tok", 10.0, 20)
    assert not waiting.allowed
    assert 9.5 <= waiting.retry_after <= 9.7  # 96 rows at 10 rows/s: the batch is paid for


def test_keys_have_their_own_buckets(limiter: Limiter) -> None:
    assert limiter.allow("a", SLOW, 1).allowed
    assert not limiter.allow("a", SLOW, 1).allowed
    assert limiter.allow("b", SLOW, 1).allowed


def test_concurrent_callers_never_exceed_the_burst(limiter: Limiter) -> None:
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        mine = [limiter.allow("hot", SLOW, 100).allowed for _ in range(40)]
        with lock:
            allowed.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 320
    assert sum(allowed) == 100


def test_two_replicas_share_one_limit(redis_url: str, prefix: str) -> None:
    first, second = RedisLimiter(redis_url, prefix=prefix), RedisLimiter(redis_url, prefix=prefix)
    decisions = [(first if i % 2 else second).allow("tok", SLOW, 4) for i in range(6)]
    assert [d.allowed for d in decisions] == [True] * 4 + [False] * 2
    elsewhere = RedisLimiter(redis_url, prefix=prefix + "other:")
    assert elsewhere.allow("tok", SLOW, 4).allowed
    for limiter in (first, second, elsewhere):
        limiter.close()


def test_redis_buckets_expire_once_they_would_be_full(redis_url: str, prefix: str) -> None:
    limiter = RedisLimiter(redis_url, prefix=prefix)
    limiter.allow("tok", 2.0, 10)
    client = redis.Redis.from_url(redis_url)
    ttl_ms = client.pttl(f"{prefix}tok")
    client.close()
    limiter.close()
    # One token taken at 2 per second refills in 500 ms, plus a second's margin.
    assert 1000 < ttl_ms <= 1500


def test_local_limiter_exact_arithmetic_on_a_fake_clock() -> None:
    now = [10.0]
    limiter = LocalLimiter(clock=lambda: now[0])
    assert limiter.allow("k", 2.0, 2) == Decision(True, 0.0, 1.0)
    assert limiter.allow("k", 2.0, 2) == Decision(True, 0.0, 0.0)
    assert limiter.allow("k", 2.0, 2) == Decision(False, 0.5, 0.0)
    now[0] += 0.25
    assert limiter.allow("k", 2.0, 2) == Decision(False, 0.25, 0.5)
    now[0] += 100
    assert limiter.allow("k", 2.0, 2) == Decision(True, 0.0, 1.0)


def test_local_limiter_drops_buckets_that_refilled() -> None:
    now = [0.0]
    limiter = LocalLimiter(clock=lambda: now[0], sweep_at=8)
    for i in range(8):
        limiter.allow(f"idle{i}", 1.0, 1)
    now[0] += 2  # every idle bucket is full again
    for i in range(4):
        limiter.allow(f"busy{i}", 1.0, 1)
    assert len(limiter) <= 8
    assert not limiter.allow("busy0", 1.0, 1).allowed


@pytest.mark.parametrize(
    ("rate", "burst", "message"),
    [
        (0, 1, "rate: got 0; expected rows per second > 0"),
        (float("inf"), 1, "rate: got inf"),
        (1, 0.5, "burst: got 0.5; expected a number of rows >= 1"),
        (1, float("nan"), "burst: got nan"),
    ],
)
def test_limits_are_checked(limiter: Limiter, rate: float, burst: float, message: str) -> None:
    with pytest.raises(InputError, match=message):
        limiter.allow("tok", rate, burst)


def test_an_unreachable_redis_fails_closed_without_showing_the_password() -> None:
    limiter = RedisLimiter("redis://me:hunter2@127.0.0.1:1/0", timeout=0.2)
    with pytest.raises(BackendError, match=r"Redis at redis://\*\*\*@127.0.0.1:1/0 failed") as err:
        limiter.allow("tok", 1.0, 1)
    assert "hunter2" not in str(err.value)
    assert err.value.http_status == 503
    limiter.close()


def test_open_limiter_chooses_by_url(redis_url: str) -> None:
    assert isinstance(open_limiter(None), LocalLimiter)
    assert isinstance(open_limiter(" "), LocalLimiter)
    chosen = open_limiter(redis_url)
    assert isinstance(chosen, RedisLimiter)
    chosen.close()
    with pytest.raises(InputError, match=r"MODELWARD_REDIS_URL: got 'http://\*\*\*@x'; expected"):
        open_limiter("http://u:secret@x")
    with pytest.raises(InputError, match="redis://, rediss://, unix://"):
        open_limiter("localhost:6379")


def test_a_hung_redis_costs_one_request_its_timeout_not_every_request() -> None:
    """A Redis that accepts connections and never answers (SIGSTOPped): the first call waits
    out its timeout and opens the circuit; the next ones are refused at once, never reaching
    it, so requests queued behind them on an event loop are not held up."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = hung.accept()
            except OSError:
                return
            accepted.append(conn)  # read nothing, answer nothing

    threading.Thread(target=accept, daemon=True).start()
    limiter = RedisLimiter(f"redis://127.0.0.1:{hung.getsockname()[1]}/0", timeout=0.2)
    try:
        with pytest.raises(BackendError, match="Redis at"):
            limiter.allow("k", 10, 10)
        assert limiter.problem is not None
        for _ in range(20):
            with pytest.raises(BackendError, match="refused until it is back"):
                limiter.allow("k", 10, 10)
        assert len(accepted) == 1  # only the first call ever reached the hung Redis
    finally:
        limiter.close()
        hung.close()
        for conn in accepted:
            conn.close()


def test_the_circuit_closes_by_itself_once_redis_is_back(redis_url: str, prefix: str) -> None:
    """Redis away, then back on the same address: a background probe finds it, and the next
    request is metered again without any request having waited on the probe."""
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]  # nothing listens here yet: connections are refused
    limiter = RedisLimiter(f"redis://127.0.0.1:{port}/0", prefix=prefix, cooldown=0.1)
    relay = socket.socket()
    try:
        with pytest.raises(BackendError):
            limiter.allow("k", SLOW, 2)
        assert limiter.problem is not None
        relay.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        relay.bind(("127.0.0.1", port))
        relay.listen(16)
        threading.Thread(target=_relay, args=(relay, redis_url), daemon=True).start()
        deadline = time.monotonic() + 30
        while limiter.problem is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert limiter.problem is None
        assert limiter.allow("k", SLOW, 2).allowed
    finally:
        limiter.close()
        relay.close()


def _relay(listener: socket.socket, redis_url: str) -> None:
    """Forward each connection to the real Redis (a Redis that comes back at this address)."""
    target = urlsplit(redis_url)
    while True:
        try:
            near, _ = listener.accept()
        except OSError:
            return
        far = socket.create_connection((target.hostname or "127.0.0.1", target.port or 6379))
        for source, sink in ((near, far), (far, near)):
            threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        sink.close()
