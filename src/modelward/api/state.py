"""What one running server holds: its workspace, scorer, edge gate and metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from starlette.requests import Request

from modelward.api.security import Caller, Gate
from modelward.errors import InputError, TooLarge
from modelward.serving.metrics import ServingMetrics
from modelward.serving.scorer import Answer, Scorer
from modelward.serving.watch import TrafficWatch
from modelward.workspace import Workspace


@dataclass
class ServerState:
    ws: Workspace
    scorer: Scorer
    gate: Gate
    metrics: ServingMetrics
    traffic: TrafficWatch

    @classmethod
    def of(cls, request: Request) -> ServerState:
        state: ServerState = request.app.state.modelward
        return state

    def watch(
        self, caller: Caller, answer: Answer, records: Sequence[Mapping[str, Any]] | pl.DataFrame
    ) -> None:
        """Feed the extraction watch with the caller's traffic (after the answer is built)."""
        self.traffic.observe(caller.limit_key, answer, self.scorer.model(answer.model), records)


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
