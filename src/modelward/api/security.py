"""The server's edge: who is calling (API token), may they (role), how often (rate limit).

With auth on, every request but the health probes needs `Authorization: Bearer <token>`; the
token names a user, whose role the endpoint checks. With auth off (loopback only), callers act
as the server's own user. Rate limits count rows (a 500-row batch costs what 500 single-row
requests cost) and hold per user, across all of a user's tokens, shared through Redis when the
server is given a Redis URL; without auth there is no identity to hold a limit to, so each
connection has its own bucket (one busy local client cannot use up the others' rate). The
extraction watch judges users, and its throttle is a rows-per-second bucket no token setting
loosens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from modelward.access import Role, TokenCache, TokenInfo, find_user, verify_token
from modelward.api.guard import LOOPBACK_NAMES, PEER_HEADER
from modelward.errors import Forbidden, RateLimited, Unauthorized
from modelward.serving import Limiter
from modelward.workspace import Workspace

TOKEN_COOKIE = "mw_token"  # noqa: S105 - a cookie name: the web UI keeps the token there
CSRF_COOKIE = "mw_csrf"  # the web UI's forms repeat this cookie's value (double submit)
THROTTLE_BASE = 50.0  # rows/s a throttle scales down when the caller has no limit


@dataclass(frozen=True)
class Caller:
    user: str
    role: Role
    token_id: str  # "" without auth
    rate: float | None = None  # the token's own limit, at most the server's
    peer: str = ""  # the connection (address:port), for callers without a token

    @property
    def limit_key(self) -> str:
        """The rate bucket: the user's (all their tokens share it); without a token, the
        connection's."""
        if self.token_id or not self.peer:
            return f"user:{self.user}"
        return f"peer:{self.peer}"

    @property
    def watch_key(self) -> str:
        """Whose traffic the extraction watch judges: the user's, whatever token or connection."""
        return f"user:{self.user}"


@dataclass(frozen=True)
class EdgeConfig:
    auth: bool
    rate: float | None = None  # rows per second per user; None: no limit unless the token's
    burst: float | None = None  # bucket size; 2 seconds' worth of `rate` by default
    max_body_bytes: int = 32 * 1024 * 1024
    hosts: frozenset[str] | None = frozenset(LOOPBACK_NAMES)  # names answered to; None: any


class Gate:
    """Admits requests. Thread-safe; verified tokens are cached for a few seconds."""

    def __init__(
        self,
        ws: Workspace,
        config: EdgeConfig,
        limiter: Limiter,
        throttle: Callable[[str], float] = lambda _key: 1.0,
    ) -> None:
        self._ws = ws
        self.config = config
        self._limiter = limiter
        self._throttle = throttle
        self._tokens = TokenCache()
        self._local = Caller(ws.actor, self._local_role(), "")

    def admit(self, headers: Mapping[str, str], needed: Role) -> Caller:
        """The caller, checked for `needed` and its rate; Unauthorized/Forbidden/RateLimited."""
        caller = self.identify(headers, needed)
        self.limit(caller)
        return caller

    def identify(self, headers: Mapping[str, str], needed: Role) -> Caller:
        """The caller, checked for `needed` (not yet for rate: see `limit`)."""
        caller = self._identify(headers)
        if not caller.role.allows(needed):
            raise Forbidden(
                f"{caller.user} is a {caller.role.value}; this needs the {needed.value} role"
            )
        return caller

    def acting(self, caller: Caller) -> Workspace:
        """The workspace acting as `caller`: their name goes on every event they cause."""
        if caller.user == self._ws.actor:
            return self._ws
        settings = replace(self._ws.settings, actor=caller.user)
        return Workspace(settings, self._ws.store, self._ws.blobs, vouched=True)

    def close(self) -> None:
        self._limiter.close()

    def _identify(self, headers: Mapping[str, str]) -> Caller:
        header = headers.get("authorization") or _cookie_token(headers.get("cookie"))
        if header is None:
            if self.config.auth:
                raise Unauthorized(
                    "authorization: missing; send `Authorization: Bearer <token>` "
                    "(make one with `modelward tokens create USER`)"
                )
            local = self._local
            return Caller(local.user, local.role, "", None, headers.get(PEER_HEADER, ""))
        scheme, _, text = header.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise Unauthorized("authorization: expected `Bearer <token>`")
        info = self._tokens.verify(text.strip(), self._verify)
        return Caller(info.user, info.role, info.token_id, info.rate_per_second)

    def _verify(self, text: str) -> TokenInfo:
        with self._ws.transaction() as conn:
            return verify_token(conn, text)

    @property
    def limiter_problem(self) -> str | None:
        """Why the rate limiter refuses every request now (Redis down), or None."""
        return self._limiter.problem

    def forget_tokens(self) -> None:
        """Verify every token against the store again: one was revoked here just now."""
        self._tokens.clear()

    def limit(self, caller: Caller, rows: int = 1) -> None:
        """RateLimited unless the caller's buckets let `rows` rows through now."""
        rate = _effective_rate(caller.rate, self.config.rate)
        factor = self._throttle(caller.watch_key)
        cost = float(max(rows, 1))
        if factor < 1.0:  # suspected of extraction: a tighter bucket of its own
            # from at most the base rate: no token's own setting loosens a throttle
            slowed = min(rate or THROTTLE_BASE, THROTTLE_BASE) * factor
            key = f"throttle:{caller.watch_key}"
            self._check(caller, key, (slowed, max(1.0, slowed), cost), "extraction")
        if rate is None:
            return
        burst = self.config.burst if caller.rate is None and self.config.burst else 2 * rate
        self._check(caller, caller.limit_key, (rate, max(1.0, burst), cost), "rate")

    def _check(
        self, caller: Caller, key: str, bucket: tuple[float, float, float], reason: str
    ) -> None:
        rate, burst, cost = bucket
        decision = self._limiter.allow(key, rate, burst, cost)
        if not decision.allowed:
            why = "suspected model extraction, throttled to" if reason == "extraction" else ""
            raise RateLimited(
                f"rate limit: {why} {rate:g} rows/s for {caller.user}; retry in "
                f"{decision.retry_after:.2f} s".replace("  ", " "),
                retry_after=decision.retry_after,
                reason=reason,
            )

    def _local_role(self) -> Role:
        """Without auth the server's own user acts; unregistered means single-user (admin)."""
        with self._ws.transaction() as conn:
            user = find_user(conn, self._ws.actor)
        return Role.ADMIN if user is None else user.role


def _effective_rate(token: float | None, server: float | None) -> float | None:
    """A token's own rate can lower the server's limit, never raise it above."""
    if token is None or server is None:
        return token if server is None else server
    return min(token, server)


def _cookie_token(cookie: str | None) -> str | None:
    """`Bearer <token>` from the web UI's sign-in cookie, if the request carries it."""
    for part in (cookie or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE and value:
            return f"Bearer {value}"
    return None
