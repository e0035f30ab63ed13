"""The scoring hot path as a plain ASGI app in front of FastAPI.

Single-row predictions are most of a server's traffic, and FastAPI's routing, dependency
solving and middleware cost about as much as scoring the row. So `POST /invocations` and
`POST /v1/deployments/{name}/predict` are answered here, by the same `answer_predict` use case
the documented FastAPI routes call; every other request goes to FastAPI untouched. Errors are
rendered exactly as FastAPI's handlers render them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from modelward.api.errors import Headers, error_response
from modelward.api.guard import DECODED_HEADERS
from modelward.api.scoring import answer_predict
from modelward.api.state import ServerState
from modelward.errors import InputError, TooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX, SUFFIX = "/v1/deployments/", "/predict"
JSON_HEADERS = [(b"content-type", b"application/json")]


def deployment_of(path: str) -> str | None:
    """The deployment a scoring path names, or None for any other path."""
    if path == "/invocations":
        return "default"
    if path.startswith(PREFIX) and path.endswith(SUFFIX):
        name = path[len(PREFIX) : -len(SUFFIX)]
        return name if name and "/" not in name else None
    return None


class FastLane:
    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = None
        if scope["type"] == "http" and scope["method"] == "POST":
            name = deployment_of(scope["path"])
        if name is None:
            await self.app(scope, receive, send)
            return
        headers = scope.get(DECODED_HEADERS) or {
            k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
        }
        extra: Headers = []
        try:
            body = await _body(headers, receive, self.state.gate.config.max_body_bytes)
            status, payload = 200, await answer_predict(self.state, name, headers, body)
        except Exception as exc:
            status, extra, payload = error_response(exc, self.state.metrics)
        start = {"type": "http.response.start", "status": status}
        start["headers"] = [*JSON_HEADERS, (b"content-length", str(len(payload)).encode()), *extra]
        await send(start)
        await send({"type": "http.response.body", "body": payload})


async def _body(headers: dict[str, str], receive: Receive, limit: int) -> bytes:
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InputError.field("content-length", declared, "a number of bytes")
        if int(declared) > limit:
            raise TooLarge(f"body: {declared} bytes; at most {limit} per request (send batches)")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InputError("body: the client went away before sending it")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body: over {limit} bytes; at most {limit} per request")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
