"""API tokens: random, shown once, stored as the sha256 of their secret part.

A token reads ``mw_<token_id>_<secret>``. The id (12 hex characters) is public: it names the token
in listings, events and revocation. The secret (``secrets.token_urlsafe(32)``, 256 random bits)
is returned once by `create_token` and never stored; the store keeps only its sha256, so a copy
of the database holds no usable token. With 256 bits of entropy a fast unsalted hash is enough:
stretching protects guessable passwords, and a random secret is not guessable.

Who may manage a token: its owner, or an admin. Each function takes the caller's connection and
transaction; recording the event of a mutation is the caller's job (see `modelward.serving`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from modelward.access.users import Role, count_users, find_user, get_user
from modelward.backends.store import api_tokens, users
from modelward.errors import Conflict, Forbidden, InputError, NotFound, Unauthorized

PREFIX = "mw"
TOKEN_SHAPE = re.compile(r"^mw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
TOKEN_ID_SHAPE = re.compile(r"^[0-9a-f]{12}$")
LABEL_MAX = 200
# Compared against when a token id is unknown, so an unknown id costs the same work as a known one.
_DUMMY_SHA256 = hashlib.sha256(b"modelward: no such token").hexdigest()
_INVALID = "unknown or invalid API token; create one with `modelward tokens create USER`"
_MALFORMED = "malformed API token: expected `mw_<id>_<secret>` as `modelward tokens create` prints"
_RENEW = "ask for a new one (`modelward tokens create USER`)"


@dataclass(frozen=True)
class TokenInfo:
    """What is known of a token, never its secret. `role` is the owner's role now."""

    token_id: str
    user: str
    role: Role
    label: str
    rate_per_second: float | None
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None
    parent: str | None = None  # the token its creator signed in with (over HTTP)

    def status(self, now: datetime | None = None) -> str:
        """`active`, `revoked` or `expired` at `now` (default: the current time)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _parse(self.expires_at) <= (now or _now()):
            return "expired"
        return "active"

    def to_json(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "user": self.user,
            "role": self.role.value,
            "label": self.label,
            "rate_per_second": self.rate_per_second,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "parent": self.parent,
            "status": self.status(),
        }


def create_token(
    conn: Connection,
    *,
    user: str,
    label: str,
    created_by: str,
    rate_per_second: float | None = None,
    expires_at: datetime | None = None,
    parent: str | None = None,
) -> tuple[str, TokenInfo]:
    """Issue a token for `user`; returns the full token text (shown once, never stored) and info.

    `created_by` must be `user` or an admin (`Forbidden` otherwise). `rate_per_second` sets this
    token's limit, which can only lower the server's (`api.security`); `expires_at` must be a
    future, timezone-aware time; `parent` is the token the creator signed in with.
    """
    label = check_label(label)
    rate = None if rate_per_second is None else check_rate(rate_per_second)
    expiry = None if expires_at is None else _check_expiry(expires_at)
    check_may_manage(conn, actor=created_by, owner=user, action="create")
    get_user(conn, user)
    token_id = _free_token_id(conn)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            token_id=token_id,
            secret_sha256=_digest(secret),
            user_name=user,
            label=label,
            rate_per_second=rate,
            created_at=_format(_now()),
            created_by=created_by,
            expires_at=expiry,
            parent_token_id=parent,
        )
    )
    return f"{PREFIX}_{token_id}_{secret}", get_token(conn, token_id)


def verify_token(conn: Connection, text: str, *, now: datetime | None = None) -> TokenInfo:
    """The token's info when `text` is a valid, unrevoked, unexpired token; `Unauthorized` if not.

    A malformed text is refused before any lookup; the secret is compared in constant time; no
    message ever repeats the token's text.
    """
    match = TOKEN_SHAPE.match(text) if isinstance(text, str) else None
    if match is None:
        raise Unauthorized(_MALFORMED)
    token_id, secret = match.groups()
    row = conn.execute(_joined().where(api_tokens.c.token_id == token_id)).first()
    stored = _DUMMY_SHA256 if row is None else str(row.secret_sha256)
    if not hmac.compare_digest(_digest(secret), stored) or row is None:
        raise Unauthorized(_INVALID)
    info = _record(row._mapping)
    status = info.status(now)
    if status == "revoked":
        raise Unauthorized(f"API token {token_id} was revoked at {info.revoked_at}; {_RENEW}")
    if status == "expired":
        raise Unauthorized(f"API token {token_id} expired at {info.expires_at}; {_RENEW}")
    return info


def revoke_token(conn: Connection, token_id: str, *, by: str) -> TokenInfo:
    """Revoke a token for good; `by` must be its owner or an admin. Revoking twice is a Conflict."""
    token = get_token(conn, check_token_id(token_id))
    check_may_manage(conn, actor=by, owner=token.user, action="revoke")
    if token.revoked_at is not None:
        raise Conflict(f"API token {token.token_id} was already revoked at {token.revoked_at}")
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.token_id == token.token_id)
        .values(revoked_at=_format(_now()))
    )
    return get_token(conn, token.token_id)


def descendants(conn: Connection, token_id: str) -> list[str]:
    """The ids of the tokens made with `token_id`, and those made with them, and so on."""
    found: list[str] = []
    frontier = [token_id]
    while frontier:
        query = select(api_tokens.c.token_id).where(api_tokens.c.parent_token_id.in_(frontier))
        frontier = [t for t in conn.execute(query).scalars() if t not in found]
        found.extend(frontier)
    return found


def get_token(conn: Connection, token_id: str) -> TokenInfo:
    row = conn.execute(_joined().where(api_tokens.c.token_id == token_id)).first()
    if row is None:
        raise NotFound(f"API token {token_id!r} not found; see `modelward tokens list`")
    return _record(row._mapping)


def list_tokens(conn: Connection, user: str | None = None) -> list[TokenInfo]:
    """Every token (or `user`'s), oldest first, revoked and expired ones included."""
    query = _joined().order_by(api_tokens.c.created_at, api_tokens.c.token_id)
    if user is not None:
        query = query.where(api_tokens.c.user_name == user)
    return [_record(row._mapping) for row in conn.execute(query).all()]


def check_may_manage(conn: Connection, *, actor: str, owner: str, action: str) -> None:
    """`Forbidden` unless `actor` is a registered user managing their own token, or an admin."""
    if count_users(conn) == 0:
        raise Forbidden(
            "no users are registered yet; add an admin first: "
            "`modelward users add NAME --role admin`"
        )
    who = find_user(conn, actor)
    if who is None:
        raise Forbidden(f"{actor} is not a registered user; an admin adds users with `users add`")
    if who.name != owner and who.role is not Role.ADMIN:
        raise Forbidden(
            f"only an admin may {action} tokens of other users; {actor} is a {who.role.value}"
        )


def check_label(label: str) -> str:
    if not isinstance(label, str) or len(label) > LABEL_MAX or not label.isprintable():
        raise InputError.field("label", label, f"printable text of at most {LABEL_MAX} characters")
    return label.strip()


def check_rate(rate: float, *, field: str = "rate_per_second") -> float:
    """A per-token limit: finite rows per second > 0."""
    number = isinstance(rate, int | float) and not isinstance(rate, bool)
    if not number or not math.isfinite(rate) or rate <= 0:
        raise InputError.field(field, rate, "rows per second > 0")
    return float(rate)


def check_token_id(token_id: str) -> str:
    if not isinstance(token_id, str) or not TOKEN_ID_SHAPE.match(token_id.strip()):
        raise InputError.field("token id", token_id, "12 hex characters from `tokens list`")
    return token_id.strip()


def expiry_after_days(days: int, *, field: str = "--expires-days") -> datetime:
    """The expiry time `days` whole days from now."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= 36_500:
        raise InputError.field(field, days, "whole days between 1 and 36500")
    return _now() + timedelta(days=days)


class TokenCache:
    """Verified tokens kept `ttl_seconds`, so a server does not query the store per request.

    Thread-safe; each call is O(1). A revocation or a role change reaches every server within
    `ttl_seconds` (half a second by default: a store query per token and half second, however
    busy the server; the server that revokes clears its cache at once); an
    entry never outlives its token's own expiry. Entries are keyed by the sha256 of the whole
    token, so the cache holds no usable secret. Failures are not cached. At `max_entries` the
    oldest entry goes first. `ttl_seconds=0` disables caching.
    """

    def __init__(
        self,
        ttl_seconds: float = 0.5,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not math.isfinite(ttl_seconds) or ttl_seconds < 0:
            raise InputError.field("ttl_seconds", ttl_seconds, "seconds >= 0")
        if max_entries < 1:
            raise InputError.field("max_entries", max_entries, "an integer >= 1")
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, TokenInfo]] = {}
        self._lock = threading.Lock()

    def get(self, text: str) -> TokenInfo | None:
        """The cached info of `text`, or None when absent or stale."""
        key = _cache_key(text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, text: str, info: TokenInfo) -> None:
        """Remember that `text` verified as `info`."""
        now = self._clock()
        deadline = now + self.ttl_seconds
        if info.expires_at is not None:
            left = (_parse(info.expires_at) - _now()).total_seconds()
            deadline = min(deadline, now + left)
        if deadline <= now:
            return
        key = _cache_key(text)
        with self._lock:
            self._entries.pop(key, None)
            if len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (deadline, info)

    def verify(self, text: str, load: Callable[[str], TokenInfo]) -> TokenInfo:
        """The cached info of `text`, else `load(text)` (which raises when invalid), cached."""
        found = self.get(text)
        if found is None:
            found = load(text)
            self.put(text, found)
        return found

    def discard(self, text: str) -> None:
        with self._lock:
            self._entries.pop(_cache_key(text), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _cache_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _joined() -> Select[Any]:
    return select(api_tokens, users.c.role).join(users, users.c.name == api_tokens.c.user_name)


def _free_token_id(conn: Connection) -> str:
    # 48 random bits: a clash is very unlikely, but the unique column must never fail a request.
    while True:
        token_id = secrets.token_hex(6)
        taken = conn.execute(select(api_tokens.c.id).where(api_tokens.c.token_id == token_id))
        if taken.first() is None:
            return token_id


def _check_expiry(expires_at: datetime) -> str:
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InputError.field("expires_at", expires_at, "a timezone-aware date and time")
    if expires_at <= _now():
        raise InputError.field("expires_at", expires_at.isoformat(), "a time in the future")
    return _format(expires_at)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _record(row: Any) -> TokenInfo:
    rate = row["rate_per_second"]
    return TokenInfo(
        token_id=row["token_id"],
        user=row["user_name"],
        role=Role(row["role"]),
        label=row["label"],
        rate_per_second=None if rate is None else float(rate),
        created_at=row["created_at"],
        created_by=row["created_by"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        parent=row["parent_token_id"],
    )
