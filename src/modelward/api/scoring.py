"""Scoring endpoints: predict (MLflow's protocol), explain, feedback, and `/invocations`.

Handlers parse, call one core function and render. Small requests are scored on the event loop
(a single row takes well under a millisecond, less than a hand-off to a thread would); batches
go to a worker thread so that they do not stall the single rows queued behind them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import polars as pl
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from modelward.access import Role
from modelward.api.bodies import parse_body, parse_json, require_json
from modelward.api.openapi import FEEDBACK_BODY, PREDICT_BODY, PREDICT_RESPONSES
from modelward.api.state import ServerState, read_body
from modelward.errors import InputError, RateLimited
from modelward.evaluation import explain_model
from modelward.serving import Answer, Answers, record_feedback

INLINE_ROWS = 64  # up to this many rows are scored on the event loop
MAX_EXPLAIN_ROWS = 100  # rows explained per request (`modelward explain` has no such cap)
STICKY_HEADER = "x-modelward-key"
ANSWERS_HEADER = "x-modelward-answers"  # modelward | mlflow: this request's answer format

router = APIRouter(tags=["scoring"])


@router.post(
    "/v1/deployments/{name}/predict",
    openapi_extra=PREDICT_BODY,
    responses=PREDICT_RESPONSES,
    summary="Score rows with a deployment (MLflow scoring protocol, CSV or Parquet)",
)
async def predict(name: str, request: Request) -> Response:
    return await _predict(name, request)


@router.post(
    "/invocations",
    openapi_extra=PREDICT_BODY,
    responses=PREDICT_RESPONSES,
    summary="MLflow's endpoint: the deployment named `default`",
)
async def invocations(request: Request) -> Response:
    return await _predict("default", request)


@router.post(
    "/v1/deployments/{name}/explain",
    openapi_extra=PREDICT_BODY,
    summary="Why the deployment's primary model predicts what it does for each row (SHAP)",
)
async def explain(name: str, request: Request) -> Response:
    state = ServerState.of(request)
    caller = state.gate.identify(request.headers, Role.VIEWER)
    require_json(request.headers.get("content-type", ""))
    records = parse_json(await read_body(request, state.gate.config.max_body_bytes))
    if len(records) > MAX_EXPLAIN_ROWS:
        # Each row's SHAP values cost thousands of predictions: one request may not hold a worker.
        raise InputError.field(
            "records", f"{len(records)} rows", f"at most {MAX_EXPLAIN_ROWS} per request"
        )
    state.gate.limit(caller, rows=len(records))
    live = state.scorer.live(name)
    # The rows predict would refuse (a type, a value outside training) are refused here too.
    live.primary.admit(records, validation=live.deployment.options.validation)
    ws = state.gate.acting(caller)
    frame = pl.DataFrame(records, infer_schema_length=None)
    async with state.heavy.turn("explain"):
        found = await run_in_threadpool(explain_model, ws, live.primary.ref, frame)
    return json_response({"model": live.primary.ref, **found.to_json()})


@router.post(
    "/v1/deployments/{name}/feedback",
    openapi_extra=FEEDBACK_BODY,
    summary="True outcomes of scored rows, by the request id each prediction answered with",
)
async def feedback(name: str, request: Request) -> Response:
    state = ServerState.of(request)
    # Outcomes decide what monitoring, comparisons and the ledger conclude: not any reader's.
    caller = state.gate.admit(request.headers, Role.REPORTER)
    require_json(request.headers.get("content-type", ""))
    data = _json_object(await read_body(request, state.gate.config.max_body_bytes))
    items = data.get("feedback")
    result = await run_in_threadpool(record_feedback, state.gate.acting(caller), name, items)
    return json_response(result.to_json())


async def _predict(name: str, request: Request) -> Response:
    state = ServerState.of(request)
    body = await read_body(request, state.gate.config.max_body_bytes)
    return Response(
        await answer_predict(state, name, request.headers, body), media_type="application/json"
    )


async def answer_predict(
    state: ServerState, name: str, headers: Mapping[str, str], body: bytes
) -> bytes:
    """The scoring use case over HTTP: admit, parse, score, watch; the JSON answer's bytes."""
    caller = state.gate.identify(headers, Role.VIEWER)
    asked = headers.get(ANSWERS_HEADER)
    chosen = None if asked is None else _answers(asked)
    records = parse_body(headers.get("content-type", ""), body)
    try:
        state.gate.limit(caller, rows=len(records))  # a batch counts its rows against the limit
    except RateLimited as exc:
        state.scorer.refused(name, records, exc, caller.token_id)  # monitoring counts them
        raise
    key = headers.get(STICKY_HEADER)
    answer: Answer
    if isinstance(records, pl.DataFrame) or len(records) > INLINE_ROWS:
        async with state.heavy.turn("a batch"):
            answer = await run_in_threadpool(
                state.scorer.predict, name, records, key=key, token=caller.token_id
            )
    else:
        answer = state.scorer.predict(name, records, key=key, token=caller.token_id)
    state.watch(caller, answer, records)
    return orjson.dumps(answer.body(chosen))


def _answers(text: str) -> Answers:
    return Answers.parse(text, field=ANSWERS_HEADER)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InputError.field("body", "invalid JSON", '{"feedback": [...]}') from None
    if not isinstance(data, dict):
        raise InputError.field("body", type(data).__name__, '{"feedback": [...]}')
    return data


def json_response(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")
