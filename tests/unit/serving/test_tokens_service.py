"""Token use cases: one transaction and one event each, refusals recorded, secrets never logged."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import modelward
from modelward.access.tokens import verify_token
from modelward.access.users import Role
from modelward.errors import Conflict, Forbidden, InputError
from modelward.permissions import add_user
from modelward.serving.tokens import api_tokens, create_api_token, revoke_api_token

As = Callable[[str], AbstractContextManager[modelward.Workspace]]
TEAM = {"root": Role.ADMIN, "ana": Role.SCIENTIST, "vic": Role.VIEWER}


@pytest.fixture
def as_user(tmp_path: Path) -> As:
    def _open(name: str) -> AbstractContextManager[modelward.Workspace]:
        return modelward.open(home=tmp_path / "ws", actor=name)

    return _open


@pytest.fixture
def team(as_user: As) -> None:
    with as_user("root") as ws:
        for name, role in TEAM.items():
            add_user(ws, name, role)


def _all_payloads(ws: modelward.Workspace) -> str:
    return "\n".join(e.payload for e in ws.read_events(limit=1000))


def test_creating_a_token_records_an_event_without_the_secret(team: None, as_user: As) -> None:
    expires = datetime.now(UTC) + timedelta(days=7)
    with as_user("ana") as ws:
        issued = create_api_token(ws, "ana", label="ci", rate_per_second=5, expires_at=expires)
        event = ws.read_events(limit=1)[0]
        with ws.transaction() as conn:
            assert verify_token(conn, issued.token) == issued.info
        secret = issued.token[len("mw_") + 12 + 1 :]
        assert secret not in _all_payloads(ws)
    assert (event.action, event.subject, event.actor) == (
        "token.created",
        f"token/{issued.info.token_id}",
        "ana",
    )
    assert event.payload_data() == {
        "user": "ana",
        "label": "ci",
        "rate_per_second": 5.0,
        "expires_at": issued.info.expires_at,
        "parent": None,
    }
    assert issued.token not in repr(issued)
    assert issued.to_json()["token"] == issued.token


def test_only_admins_create_tokens_for_others_and_refusals_are_recorded(
    team: None, as_user: As
) -> None:
    with as_user("ana") as ws:
        with pytest.raises(Forbidden, match="only an admin may create tokens of other users"):
            create_api_token(ws, "vic")
        refusal = ws.read_events(limit=1)[0]
        assert (refusal.action, refusal.subject) == ("token.create.refused", "user/vic")
        assert "only an admin" in refusal.payload_data()["reason"]
    with as_user("root") as ws:
        assert create_api_token(ws, "vic").info.created_by == "root"
    with as_user("root") as ws:
        assert [t.user for t in api_tokens(ws)] == ["vic"]


def test_without_users_the_first_step_is_an_admin(as_user: As) -> None:
    with as_user("ana") as ws:
        with pytest.raises(Forbidden, match="no users are registered yet; add an admin first"):
            create_api_token(ws, "ana")
        assert ws.read_events(limit=1)[0].action == "token.create.refused"
        assert api_tokens(ws) == []


def test_revoking_records_an_event_and_checks_who_asks(team: None, as_user: As) -> None:
    with as_user("ana") as ws:
        token_id = create_api_token(ws, "ana", label="laptop").info.token_id
    with as_user("vic") as ws:
        with pytest.raises(Forbidden, match="only an admin may revoke tokens of other users"):
            revoke_api_token(ws, token_id)
        assert ws.read_events(limit=1)[0].action == "token.revoke.refused"
    with as_user("root") as ws:
        revoked = revoke_api_token(ws, token_id)
        event = ws.read_events(limit=1)[0]
        with pytest.raises(Conflict, match="already revoked"):
            revoke_api_token(ws, token_id)
        assert [t.status() for t in api_tokens(ws, "ana")] == ["revoked"]
    assert revoked.status() == "revoked"
    assert (event.action, event.subject, event.payload_data()) == (
        "token.revoked",
        f"token/{token_id}",
        {"user": "ana", "children": []},
    )


def test_bad_input_is_refused_before_any_write(team: None, as_user: As) -> None:
    with as_user("root") as ws:
        before = len(ws.read_events(limit=1000))
        with pytest.raises(InputError, match="user name: got 'no way!'"):
            create_api_token(ws, "no way!")
        with pytest.raises(InputError, match="rate_per_second: got -1"):
            create_api_token(ws, "ana", rate_per_second=-1)
        with pytest.raises(InputError, match="token id: got 'zz'"):
            revoke_api_token(ws, "zz")
        assert len(ws.read_events(limit=1000)) == before
        assert api_tokens(ws) == []
