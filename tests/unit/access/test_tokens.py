"""API tokens: issued once, stored hashed, verified in constant time, revoked and expired."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import modelward
from modelward.access.tokens import (
    TOKEN_SHAPE,
    TokenCache,
    TokenInfo,
    create_token,
    expiry_after_days,
    list_tokens,
    revoke_token,
    verify_token,
)
from modelward.access.users import Role, insert_user, set_role
from modelward.backends.store.tables import api_tokens
from modelward.errors import Conflict, Forbidden, InputError, NotFound, Unauthorized

TEAM = {"root": Role.ADMIN, "ana": Role.SCIENTIST, "vic": Role.VIEWER}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[modelward.Workspace]:
    with modelward.open(home=tmp_path / "ws", actor="root") as opened:
        yield opened


@pytest.fixture
def team(ws: modelward.Workspace) -> modelward.Workspace:
    with ws.transaction() as conn:
        for name, role in TEAM.items():
            insert_user(conn, name=name, role=role, by="root", at="2024-01-01T00:00:00+00:00")
    return ws


def _issue(ws: modelward.Workspace, user: str = "ana", by: str = "ana", **kw: object) -> str:
    with ws.transaction() as conn:
        text, _ = create_token(conn, user=user, label="ci", created_by=by, **kw)  # type: ignore[arg-type]
    return text


def _verify(ws: modelward.Workspace, text: str, now: datetime | None = None) -> TokenInfo:
    with ws.transaction() as conn:
        return verify_token(conn, text, now=now)


def test_a_token_is_shown_once_and_stored_as_a_hash(team: modelward.Workspace) -> None:
    with team.transaction() as conn:
        text, info = create_token(conn, user="ana", label="laptop", created_by="ana")
        row = conn.execute(select(api_tokens)).one()
    match = TOKEN_SHAPE.match(text)
    assert match is not None
    token_id, secret = match.groups()
    assert (info.token_id, info.user, info.role, info.label) == (
        token_id,
        "ana",
        Role.SCIENTIST,
        "laptop",
    )
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row)
    assert _verify(team, text) == info
    assert secret not in str(info.to_json())
    assert "secret" not in " ".join(info.to_json())


def test_verification_reads_the_owners_current_role(team: modelward.Workspace) -> None:
    text = _issue(team)
    with team.transaction() as conn:
        set_role(conn, "ana", Role.VIEWER)
    assert _verify(team, text).role is Role.VIEWER


def test_users_manage_their_own_tokens_and_admins_everyones(team: modelward.Workspace) -> None:
    assert _verify(team, _issue(team, "vic", by="vic")).user == "vic"
    assert _verify(team, _issue(team, "vic", by="root")).created_by == "root"
    with pytest.raises(Forbidden, match="only an admin may create tokens of other users; ana is a"):
        _issue(team, "vic", by="ana")
    with pytest.raises(Forbidden, match="eve is not a registered user"):
        _issue(team, "eve", by="eve")
    with pytest.raises(NotFound, match="user 'eve' not found"):
        _issue(team, "eve", by="root")


def test_without_users_the_message_says_to_add_an_admin(ws: modelward.Workspace) -> None:
    with pytest.raises(
        Forbidden, match=r"add an admin first: `modelward users add NAME --role admin`"
    ):
        _issue(ws, "root", by="root")


@pytest.mark.parametrize(
    "text",
    ["", "mw_", "Bearer x", "mw_0123456789ab", "xx_0123456789ab_" + "a" * 43,
     "mw_0123456789AB_" + "a" * 43, "mw_0123456789ab_" + "a" * 42, "mw_0123456789ab_" + "a" * 44,
     "mw_0123456789ab_" + "a" * 42 + "!"],
)  # fmt: skip
def test_malformed_tokens_are_refused_without_a_lookup(ws: modelward.Workspace, text: str) -> None:
    with ws.transaction() as conn:
        pass
    # The connection is closed: any query would raise, so reaching Unauthorized proves none ran.
    with pytest.raises(Unauthorized, match="malformed API token"):
        verify_token(conn, text)


def test_a_wrong_secret_or_unknown_id_is_refused_without_echoing_it(
    team: modelward.Workspace,
) -> None:
    token_id = TOKEN_SHAPE.match(_issue(team)).group(1)  # type: ignore[union-attr]
    forged = f"mw_{token_id}_{'A' * 43}"
    unknown = f"mw_{'0' * 12}_{'A' * 43}"
    for text in (forged, unknown):
        with pytest.raises(Unauthorized, match="unknown or invalid API token") as caught:
            _verify(team, text)
        assert "A" * 43 not in str(caught.value)
    with pytest.raises(Unauthorized, match="malformed"):
        _verify(team, 42)  # type: ignore[arg-type]


def test_revoked_tokens_are_refused(team: modelward.Workspace) -> None:
    text = _issue(team)
    token_id = _verify(team, text).token_id
    with team.transaction() as conn:
        with pytest.raises(Forbidden, match="only an admin may revoke tokens of other users"):
            revoke_token(conn, token_id, by="vic")
        revoked = revoke_token(conn, token_id, by="ana")
    assert revoked.status() == "revoked"
    assert revoked.revoked_at is not None
    with pytest.raises(Unauthorized, match=f"API token {token_id} was revoked at 20"):
        _verify(team, text)
    with team.transaction() as conn, pytest.raises(Conflict, match="already revoked"):
        revoke_token(conn, token_id, by="root")


def test_revoking_unknown_or_malformed_ids(team: modelward.Workspace) -> None:
    with team.transaction() as conn:
        with pytest.raises(NotFound, match="API token '0123456789ab' not found"):
            revoke_token(conn, "0123456789ab", by="root")
        with pytest.raises(InputError, match="token id: got 'nope'; expected 12 hex"):
            revoke_token(conn, "nope", by="root")


def test_expired_tokens_are_refused(team: modelward.Workspace) -> None:
    soon = datetime.now(UTC) + timedelta(days=1)
    text = _issue(team, expires_at=soon)
    info = _verify(team, text)
    assert info.expires_at is not None
    assert datetime.fromisoformat(info.expires_at) == soon
    later = soon + timedelta(seconds=1)
    assert info.status(later) == "expired"
    with pytest.raises(Unauthorized, match=f"API token {info.token_id} expired at"):
        _verify(team, text, now=later)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("expires_at", datetime.now(UTC) - timedelta(seconds=1), "expected a time in the future"),
        ("expires_at", datetime(2999, 1, 1), "expected a timezone-aware date"),
        ("rate_per_second", 0, "rate_per_second: got 0; expected rows per second > 0"),
        ("rate_per_second", float("nan"), "rate_per_second: got nan"),
        ("label", "x" * 201, "label: got 'xxx"),
        ("label", "tab\there", "printable text"),
    ],
)
def test_inputs_are_checked(
    team: modelward.Workspace, field: str, value: object, message: str
) -> None:
    with team.transaction() as conn:
        kw: dict[str, object] = {"label": "ok", field: value}
        with pytest.raises(InputError, match=message):
            create_token(conn, user="ana", created_by="ana", **kw)  # type: ignore[arg-type]
        assert list_tokens(conn) == []


def test_expiry_in_days() -> None:
    assert expiry_after_days(30) - datetime.now(UTC) > timedelta(days=29, hours=23)
    with pytest.raises(InputError, match="--expires-days: got 0; expected whole days"):
        expiry_after_days(0)


def test_listing_filters_by_user_and_keeps_rates(team: modelward.Workspace) -> None:
    _issue(team, "ana", by="ana", rate_per_second=2.5)
    _issue(team, "vic", by="vic")
    with team.transaction() as conn:
        every = list_tokens(conn)
        mine = list_tokens(conn, user="ana")
        nobody = list_tokens(conn, user="eve")
    assert [t.user for t in every] == ["ana", "vic"]
    assert [(t.user, t.rate_per_second) for t in mine] == [("ana", 2.5)]
    assert nobody == []


def test_round_trip_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    with modelward.open(home=tmp_path / "pg", store_url=pg_url, actor="root") as ws:
        with ws.transaction() as conn:
            insert_user(conn, name="root", role=Role.ADMIN, by="root", at="2024-01-01")
        text = _issue(ws, "root", by="root", expires_at=datetime.now(UTC) + timedelta(hours=1))
        assert _verify(ws, text).role is Role.ADMIN


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


INFO = TokenInfo("0123456789ab", "ana", Role.SCIENTIST, "", None, "t", "ana", None, None)
TEXT = "mw_0123456789ab_" + "s" * 43


def test_cache_keeps_entries_for_the_ttl() -> None:
    clock = FakeClock()
    cache = TokenCache(ttl_seconds=5, clock=clock)
    assert cache.get(TEXT) is None
    cache.put(TEXT, INFO)
    clock.now += 4.9
    assert cache.get(TEXT) == INFO
    clock.now += 0.2
    assert cache.get(TEXT) is None
    assert len(cache) == 0


def test_cache_never_outlives_the_token() -> None:
    clock = FakeClock()
    cache = TokenCache(ttl_seconds=60, clock=clock)
    ending = datetime.now(UTC) + timedelta(seconds=2)
    cache.put(TEXT, TokenInfo(**{**INFO.__dict__, "expires_at": ending.isoformat()}))
    assert cache.get(TEXT) is not None
    clock.now += 3
    assert cache.get(TEXT) is None
    expired = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    cache.put(TEXT, TokenInfo(**{**INFO.__dict__, "expires_at": expired}))
    assert cache.get(TEXT) is None


def test_cache_is_bounded_keyed_by_hash_and_can_be_disabled() -> None:
    cache = TokenCache(ttl_seconds=5, max_entries=2)
    texts = [TEXT[:-1] + c for c in "abc"]
    for text in texts:
        cache.put(text, INFO)
    assert [cache.get(t) for t in texts] == [None, INFO, INFO]
    assert all(t not in repr(cache.__dict__) for t in texts)
    cache.discard(texts[1])
    assert cache.get(texts[1]) is None
    off = TokenCache(ttl_seconds=0)
    off.put(TEXT, INFO)
    assert off.get(TEXT) is None
    with pytest.raises(InputError, match="ttl_seconds: got -1; expected seconds >= 0"):
        TokenCache(ttl_seconds=-1)


def test_cache_verify_loads_once_and_does_not_cache_failures() -> None:
    calls: list[str] = []

    def load(text: str) -> TokenInfo:
        calls.append(text)
        if text != TEXT:
            raise Unauthorized("unknown or invalid API token")
        return INFO

    cache = TokenCache()
    assert cache.verify(TEXT, load) == cache.verify(TEXT, load) == INFO
    for _ in range(2):
        with pytest.raises(Unauthorized, match="unknown or invalid"):
            cache.verify("bad", load)
    assert calls == [TEXT, "bad", "bad"]


def test_cache_is_thread_safe() -> None:
    cache = TokenCache(ttl_seconds=5, max_entries=50)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2_000):
                text = f"{TEXT}{(n * 7 + i) % 120}"
                cache.put(text, INFO)
                cache.get(text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 50
