"""Heavy requests take turns, and a full queue is told to come back later."""

from __future__ import annotations

import asyncio

import pytest

from modelward.api.heavy import HeavyWork
from modelward.errors import RateLimited


def test_one_runs_a_few_wait_and_more_are_refused() -> None:
    async def scenario() -> tuple[list[str], RateLimited]:
        heavy = HeavyWork(slots=1, queue=2)
        order: list[str] = []
        release = asyncio.Event()

        async def work(name: str) -> None:
            async with heavy.turn("explain"):
                order.append(name)
                await release.wait()

        tasks = [asyncio.create_task(work(n)) for n in ("a", "b", "c")]
        await asyncio.sleep(0)  # a runs; b and c wait
        with pytest.raises(RateLimited) as refused:
            async with heavy.turn("explain"):
                pass
        release.set()
        await asyncio.gather(*tasks)
        return order, refused.value

    order, refused = asyncio.run(scenario())
    assert order == ["a", "b", "c"]
    assert refused.http_status == 429
    assert refused.retry_after == 2.0
    assert "1 running and 2 waiting already" in refused.message
