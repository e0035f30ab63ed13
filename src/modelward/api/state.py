"""What one running server holds: its workspace, scorer, edge gate and metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from starlette.requests import Request

from modelward.access import Role
from modelward.api.chain import ChainWatch
from modelward.api.heavy import HeavyWork
from modelward.api.security import Caller, Gate
from modelward.errors import InputError, TooLarge
from modelward.serving import Answer, Scorer, ServingMetrics, TrafficCache, TrafficWatch
from modelward.workspace import Workspace


@dataclass
class ServerState:
    ws: Workspace
    scorer: Scorer
    gate: Gate
    metrics: ServingMetrics
    traffic: TrafficWatch
    chain: ChainWatch
    # Summaries of prediction-log batches for the deployment pages (batches never change).
    traffic_cache: TrafficCache = field(default_factory=TrafficCache)
    heavy: HeavyWork = field(default_factory=HeavyWork)  # explain and large batches take turns

    @classmethod
    def of(cls, request: Request) -> ServerState:
        state: ServerState = request.app.state.modelward
        return state

    def watch(
        self, caller: Caller, answer: Answer, records: Sequence[Mapping[str, Any]] | pl.DataFrame
    ) -> None:
        """Feed the extraction watch with the caller's traffic (after the answer is built)."""
        self.traffic.observe(caller.watch_key, answer, self.scorer.model(answer.model), records)


def acting(request: Request, role: Role) -> Workspace:
    """The workspace acting as the admitted caller (who needs at least `role`)."""
    state = ServerState.of(request)
    return state.gate.acting(state.gate.admit(request.headers, role))


def model_ref(project: str, version: str) -> str:
    """A model reference from URL parts: `v3` or `3` name a version; any other word a stage."""
    number = version[1:] if version[:1] in ("v", "V") else version
    return f"{project}/v{number}" if number.isdigit() else f"{project}@{version}"


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes, without reading more than that."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InputError.field("content-length", declared, "a number of bytes")
        if int(declared) > limit:
            raise TooLarge(f"body: {declared} bytes; at most {limit} per request (send batches)")
        return await request.body()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body: over {limit} bytes; at most {limit} per request")
        chunks.append(chunk)
    return b"".join(chunks)
