"""One rendering of errors for every route: a status, headers and a JSON body naming the problem.

A ModelwardError becomes its own status; anything unexpected a 500 whose body shows no
traceback (the server log has it).
"""

from __future__ import annotations

import logging

import orjson

from modelward.errors import ModelwardError, RateLimited, Unauthorized
from modelward.serving import ServingMetrics

log = logging.getLogger("modelward.api")
Headers = list[tuple[bytes, bytes]]


def error_response(exc: Exception, metrics: ServingMetrics) -> tuple[int, Headers, bytes]:
    if not isinstance(exc, ModelwardError):
        log.error("unexpected error", exc_info=exc)
        return 500, [], _body("InternalError", "internal error; see the server log")
    headers: Headers = []
    if isinstance(exc, RateLimited):
        headers.append((b"retry-after", str(max(1, round(exc.retry_after + 0.5))).encode()))
        metrics.refused.labels(exc.reason).inc()
    if isinstance(exc, Unauthorized):
        headers.append((b"www-authenticate", b"Bearer"))
        metrics.refused.labels("auth").inc()
    return exc.http_status, headers, _body(type(exc).__name__, exc.message)


def _body(kind: str, message: str) -> bytes:
    return orjson.dumps({"error": {"type": kind, "message": message}})
