"""The server's doors: which host names it answers to, and which pages may make it act.

DNS rebinding: a hostile page can point a name of its own at 127.0.0.1 and reach a loopback
server from the operator's browser; its requests then carry that name in `Host`. So the
server answers only to its own names: the address it is bound to, the loopback names when it
is bound to loopback, and names given with `--allow-host`. Bound to every interface, it
answers to any name (auth is then always on) unless names are given.

Cross-site requests: a page the operator merely visits can post forms, and send `no-cors`
fetches, to the server; a browser then names the page in `Origin` (or `Referer`). A request
that may change something (any method but GET, HEAD and OPTIONS) naming another origin is
refused with 403; the server's own pages and clients that are not browsers (which send
neither header) pass. The web UI's forms also carry a token tied to a cookie (see
`web.routes`), and JSON routes refuse other content types.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
EVERY_INTERFACE = ("0.0.0.0", "::", "")  # noqa: S104 - names, compared with --host
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allowed_hosts(bound: str, extra: tuple[str, ...] = ()) -> frozenset[str] | None:
    """The host names a server bound to `bound` answers to; None: any (every interface)."""
    names = {name.lower().strip("[]") for name in extra}
    if bound in EVERY_INTERFACE:
        return frozenset(names) if names else None
    names.add(bound.lower().strip("[]"))
    if bound in LOOPBACK_NAMES:
        names.update(LOOPBACK_NAMES)
    return frozenset(names)


@dataclass(frozen=True)
class Doors:
    """`hosts`: the names answered to (None: any)."""

    hosts: frozenset[str] | None = frozenset(LOOPBACK_NAMES)

    def refusal(self, method: str, headers: dict[str, str]) -> str | None:
        """Why a request must be refused at the door, or None."""
        host = headers.get("host", "")
        name = _hostname(host)
        if self.hosts is not None and name not in self.hosts:
            known = ", ".join(sorted(self.hosts))
            return (
                f"host: got {host!r}; expected one of this server's names ({known}); "
                "start it with --allow-host NAME to answer to another"
            )
        if method in SAFE_METHODS:
            return None
        said = headers.get("origin") or headers.get("referer")
        if said is None:  # not a browser: curl, the SDK, a service
            return None
        if said == "null" or urlsplit(said).netloc.lower() != host.lower():
            return (
                f"origin: got {said!r}; expected a page of this server: requests from other "
                "sites may not change anything here"
            )
        return None


PEER_HEADER = "x-modelward-peer"  # set here from the connection, never trusted from a client
PEER_HEADER_BYTES = PEER_HEADER.encode()
DECODED_HEADERS = "modelward.headers"  # scope key: the request's headers as a str dict


class Guard:
    """ASGI middleware: checks every HTTP request at the door before `app` sees it."""

    def __init__(self, app: ASGIApp, doors: Doors) -> None:
        self.app = app
        self.doors = doors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            why = self.doors.refusal(scope["method"], headers)
            if why is not None:
                await _refuse(send, why)
                return
            scope = with_peer(scope, headers)
        await self.app(scope, receive, send)


def with_peer(scope: Scope, decoded: dict[str, str] | None = None) -> Scope:
    """`scope` with the connection's address and port in `PEER_HEADER` (any sent is dropped):
    without auth it is what tells one caller's rate bucket from another's. `decoded` headers
    travel along under `DECODED_HEADERS`, peer included, so the scoring lane need not decode
    them again."""
    client = scope.get("client")
    peer = f"{client[0]}:{client[1]}" if client else "unknown"
    kept = [(k, v) for k, v in scope["headers"] if k.lower() != PEER_HEADER_BYTES]
    found = {**scope, "headers": [*kept, (PEER_HEADER_BYTES, peer.encode("latin-1"))]}
    if decoded is not None:
        found[DECODED_HEADERS] = {**decoded, PEER_HEADER: peer}
    return found


def _hostname(host: str) -> str:
    """The name part of a Host header: `[::1]:8080` -> `::1`, `Example.org:80` -> `example.org`."""
    text = host.strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0] if text.count(":") == 1 else text


async def _refuse(send: Send, message: str) -> None:
    body = orjson.dumps({"error": {"type": "Forbidden", "message": message}})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
