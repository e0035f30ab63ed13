"""The FastAPI application: scoring, health, metrics and the management API.

Errors are translated once, here: a ModelwardError becomes its HTTP status with a JSON body
naming the problem; anything unexpected is a 500 whose body shows no traceback.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from modelward.access import Role
from modelward.api.chain import ChainWatch
from modelward.api.errors import error_response
from modelward.api.fastlane import FastLane
from modelward.api.guard import Doors, Guard
from modelward.api.manage import router as manage_router
from modelward.api.responses import finish_document
from modelward.api.scoring import json_response, router as scoring_router
from modelward.api.security import EdgeConfig, Gate
from modelward.api.state import ServerState
from modelward.api.web.routes import STATIC, router as web_router
from modelward.api.work import router as work_router
from modelward.errors import ModelwardError
from modelward.monitoring import MonitorResult, MonitorSchedule
from modelward.serving import (
    PredictionLog,
    Scorer,
    ServingMetrics,
    TrafficWatch,
    open_limiter,
    open_shared,
)
from modelward.tracking import reap_lost_runs
from modelward.workspace import Workspace


@dataclass(frozen=True)
class ServeConfig:
    edge: EdgeConfig
    poll_interval: float = 1.0  # seconds between checks for route switches
    log_interval: float = 1.0  # seconds between prediction-log flushes (the crash-loss bound)
    monitor_tick: float = 30.0  # seconds between looks for deployments due a monitoring pass


def create_app(ws: Workspace, config: ServeConfig) -> Guard:
    """The ASGI application: the door checks, then the scoring fast lane in front of the
    FastAPI app (`.app.app`)."""
    metrics = ServingMetrics()
    log_writer = PredictionLog(ws, interval=config.log_interval)
    scorer = Scorer(ws, log=log_writer, metrics=metrics, poll_interval=config.poll_interval)
    limiter = open_limiter(ws.settings.redis_url)  # first: it checks the Redis URL
    traffic = TrafficWatch(ws, metrics, open_shared(ws))
    schedule = MonitorSchedule(
        ws, metrics.registry, tick=config.monitor_tick, after_pass=_retraining(ws)
    )
    gate = Gate(ws, config.edge, limiter, traffic.throttle)
    chain = ChainWatch(ws)
    state = ServerState(ws, scorer, gate, metrics, traffic, chain)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A server killed mid-training left its runs `running`: they end before it serves.
        await run_in_threadpool(reap_lost_runs, ws)
        scorer.start()
        # Everything loaded so far (libraries, models) lives as long as the server: keep it out
        # of the collector's full passes, whose pauses would show in the latency tail.
        gc.collect()
        gc.freeze()
        schedule.start()
        chain.start()  # the event log's first verification, off any page view
        try:
            yield
        finally:
            schedule.close()
            scorer.close()  # drains the prediction log: a clean shutdown loses no row
            traffic.close()
            gate.close()

    app = FastAPI(
        title="modelward",
        version="1",
        summary="Score, explain and manage governed models.",
        lifespan=lifespan,
    )
    app.state.modelward = state
    app.include_router(scoring_router)
    app.include_router(manage_router)
    app.include_router(work_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_probes(app, state)
    _add_error_handlers(app, metrics)
    _declare_responses(app)
    return Guard(FastLane(app, state), Doors(config.edge.hosts))


VERSION = metadata.version("modelward")


def _add_probes(app: FastAPI, state: ServerState) -> None:
    @app.get("/healthz", tags=["probes"], summary="The process is up")
    async def healthz() -> Response:
        return json_response({"status": "ok"})

    @app.get(
        "/readyz",
        tags=["probes"],
        summary="Routes loaded, and the store, blob store and rate limiter reachable; "
        "`degraded` names each deployment that could not load, and why",
    )
    def readyz() -> Response:
        return _readiness(state)

    # MLflow's scoring server answers these; its clients poll /ping until the model is ready.
    @app.get("/ping", tags=["probes"], summary="MLflow's readiness probe: /readyz's answer")
    def ping() -> Response:
        return _readiness(state)

    @app.get("/health", tags=["probes"], summary="MLflow's health probe: /readyz's answer")
    def health() -> Response:
        return _readiness(state)

    @app.get("/version", tags=["probes"], summary="The server's version, as text (MLflow's)")
    async def version() -> Response:
        return Response(f"modelward {VERSION}", media_type="text/plain")

    @app.get("/metrics", tags=["probes"], summary="Prometheus metrics (a token's, with auth)")
    async def metrics(request: Request) -> Response:
        # With auth on, metrics name deployments and callers' traffic: scrape with a token.
        if state.gate.config.auth:
            state.gate.admit(request.headers, Role.VIEWER)
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")


def _readiness(state: ServerState) -> Response:
    """Ready (200), degraded (200: some deployments could not load), or not (503, and why)."""
    problems = _dependencies(state)
    if problems:
        body = {"status": "not ready", "problems": problems, "degraded": []}
        return json_response(body, 503)
    if not state.scorer.ready:
        return json_response({"status": "starting", "problems": [], "degraded": []}, 503)
    # A deployment that cannot load fails alone: the replica still serves the others.
    degraded = state.scorer.degraded
    status = "degraded" if degraded else "ready"
    return json_response({"status": status, "problems": [], "degraded": degraded})


def _declare_responses(app: FastAPI) -> None:
    """The OpenAPI document declares every success body and the error body really sent."""
    stock = app.openapi

    def document() -> dict[str, Any]:
        return finish_document(stock())  # in place on FastAPI's cached document: idempotent

    app.openapi = document  # type: ignore[method-assign]


def _dependencies(state: ServerState) -> list[str]:
    """What the server needs and cannot reach now, in words (empty when all is well)."""
    problems = []
    try:
        with state.ws.transaction() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        problems.append("the metadata store is unreachable")
    try:
        state.ws.blobs.exists("readyz")
    except Exception:
        problems.append("the blob store is unreachable")
    limiter = state.gate.limiter_problem
    if limiter is not None:
        problems.append(limiter)
    return problems


def _add_error_handlers(app: FastAPI, metrics: ServingMetrics) -> None:
    async def render(request: Request, exc: Exception) -> Response:
        status, headers, body = error_response(exc, metrics)
        response = Response(body, status_code=status, media_type="application/json")
        response.headers.update({k.decode(): v.decode() for k, v in headers})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        message = "; ".join(problems[:5]) or "invalid request"
        return json_response({"error": {"type": "InputError", "message": message}}, 422)

    app.add_exception_handler(ModelwardError, render)
    app.add_exception_handler(Exception, render)


def _retraining(ws: Workspace) -> Callable[[MonitorResult], None]:
    """The spec's retraining policies, applied after each pass this replica runs."""

    def apply(result: MonitorResult) -> None:
        from modelward.retraining import apply_policies  # training's imports: on use

        apply_policies(ws, result, background=True)  # monitoring goes on while it trains

    return apply
