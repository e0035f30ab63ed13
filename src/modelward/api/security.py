"""The server's edge: who is calling (API token), may they (role), how often (rate limit).

With auth on, every request but the health probes needs `Authorization: Bearer <token>`; the
token names a user, whose role the endpoint checks. With auth off (loopback only), callers act
as the server's own user. Rate limits are per token (per client address without auth), shared
through Redis when the server is given a Redis URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from modelward.access.tokens import TokenCache, TokenInfo, verify_token
from modelward.access.users import Role, find_user
from modelward.api.guard import LOOPBACK_NAMES
from modelward.errors import Forbidden, RateLimited, Unauthorized
from modelward.serving.ratelimit import Limiter
from modelward.workspace import Workspace

TOKEN_COOKIE = "mw_token"  # noqa: S105 - a cookie name: the web UI keeps the token there
CSRF_COOKIE = "mw_csrf"  # the web UI's forms repeat this cookie's value (double submit)
THROTTLE_BASE = 50.0  # requests/s a throttle scales down when the caller has no limit


@dataclass(frozen=True)
class Caller:
    user: str
    role: Role
    token_id: str  # "" without auth
    rate: float | None = None  # the token's own limit, at most the server's

    @property
    def limit_key(self) -> str:
        return self.token_id or f"user:{self.user}"


@dataclass(frozen=True)
class EdgeConfig:
    auth: bool
    rate: float | None = None  # requests per second per token; None: no limit unless the token's
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
        caller = self._identify(headers)
        if not caller.role.allows(needed):
            raise Forbidden(
                f"{caller.user} is a {caller.role.value}; this needs the {needed.value} role"
            )
        self._limit(caller)
        return caller

    def acting(self, caller: Caller) -> Workspace:
        """The workspace acting as `caller`: their name goes on every event they cause."""
        if caller.user == self._ws.actor:
            return self._ws
        settings = replace(self._ws.settings, actor=caller.user)
        return Workspace(settings, self._ws.store, self._ws.blobs)

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
            return self._local
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

    def _limit(self, caller: Caller) -> None:
        rate = _effective_rate(caller.rate, self.config.rate)
        factor = self._throttle(caller.limit_key)
        if factor < 1.0:  # suspected of extraction: a tighter bucket of its own
            # from at most the base rate: no token's own setting loosens a throttle
            slowed = min(rate or THROTTLE_BASE, THROTTLE_BASE) * factor
            self._check(
                caller, f"throttle:{caller.limit_key}", slowed, max(1.0, slowed), "extraction"
            )
        if rate is None:
            return
        burst = self.config.burst if caller.rate is None and self.config.burst else 2 * rate
        self._check(caller, caller.limit_key, rate, max(1.0, burst), "rate")

    def _check(self, caller: Caller, key: str, rate: float, burst: float, reason: str) -> None:
        decision = self._limiter.allow(key, rate, burst)
        if not decision.allowed:
            why = "suspected model extraction, throttled to" if reason == "extraction" else ""
            raise RateLimited(
                f"rate limit: {why} {rate:g} requests/s for {caller.user}; retry in "
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
