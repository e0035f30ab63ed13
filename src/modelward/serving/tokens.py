"""API token use cases on a workspace: issue, revoke, list; each mutation is an event.

The rules (owner or admin, a registered user, secrets hashed) live in `modelward.access.tokens`;
here each use case runs in one transaction with its event, and a refusal is recorded too, so the
log shows who tried to manage whose tokens. Events never carry a token's secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from modelward.access import (
    TokenInfo,
    check_may_manage,
    check_token_id,
    check_user_name,
    create_token as _create,
    descendants,
    get_token,
    list_tokens as _list,
    revoke_token as _revoke,
)
from modelward.errors import Forbidden
from modelward.permissions import refuse
from modelward.workspace import Workspace


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `token` is the full text, shown this once and stored nowhere."""

    token: str = field(repr=False)
    info: TokenInfo

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, **self.info.to_json()}


def create_api_token(
    ws: Workspace,
    user: str,
    *,
    label: str = "",
    rate_per_second: float | None = None,
    expires_at: datetime | None = None,
    parent: str | None = None,
) -> IssuedToken:
    """Issue a token for `user`, acting as `ws.actor` (the user themself, or an admin);
    `parent` is the token the actor signed in with, when over HTTP."""
    user = check_user_name(user)
    try:
        with ws.transaction() as conn:
            text, info = _create(
                conn,
                user=user,
                label=label,
                created_by=ws.actor,
                rate_per_second=rate_per_second,
                expires_at=expires_at,
                parent=parent,
            )
            payload = {
                "user": info.user,
                "label": info.label,
                "rate_per_second": info.rate_per_second,
                "expires_at": info.expires_at,
                "parent": parent,
            }
            ws.record(conn, "token.created", f"token/{info.token_id}", payload)
    except Forbidden as exc:
        _refused(ws, "token.create", f"user/{user}", exc)
    return IssuedToken(text, info)


def revoke_api_token(ws: Workspace, token_id: str, *, children: bool = False) -> TokenInfo:
    """Revoke a token for good, acting as `ws.actor` (its owner, or an admin); with `children`,
    also every token made with it (and with those), still active, in the same transaction.

    Servers stop accepting it within their token cache's time to live (half a second).
    """
    token_id = check_token_id(token_id)
    try:
        with ws.transaction() as conn:
            info = _revoke(conn, token_id, by=ws.actor)
            made = descendants(conn, token_id) if children else []
            gone = [t for t in made if get_token(conn, t).status() == "active"]
            for child in gone:
                _revoke(conn, child, by=ws.actor)
            payload = {"user": info.user, "children": gone}
            ws.record(conn, "token.revoked", f"token/{token_id}", payload)
    except Forbidden as exc:
        _refused(ws, "token.revoke", f"token/{token_id}", exc)
    return info


def revoke_user_tokens(ws: Workspace, user: str) -> list[TokenInfo]:
    """Revoke every active token of `user` at once (its owner, or an admin); those revoked."""
    user = check_user_name(user)
    try:
        with ws.transaction() as conn:
            active = [t for t in _list(conn, user) if t.status() == "active"]
            gone = [_revoke(conn, t.token_id, by=ws.actor) for t in active]
            if not active:
                check_may_manage(conn, actor=ws.actor, owner=user, action="revoke")
            ws.record(
                conn, "token.revoked_all", f"user/{user}", {"tokens": [t.token_id for t in gone]}
            )
    except Forbidden as exc:
        _refused(ws, "token.revoke", f"user/{user}", exc)
    return gone


def api_tokens(ws: Workspace, user: str | None = None) -> list[TokenInfo]:
    """Every token, or `user`'s, oldest first; secrets are never stored, so never shown."""
    with ws.transaction() as conn:
        return _list(conn, user)


def _refused(ws: Workspace, action: str, subject: str, exc: Forbidden) -> NoReturn:
    """The token rule (your own tokens, or an admin) is checked with the store's rows; its
    refusal is recorded and raised as every other (permissions.refuse)."""
    refuse(ws, action, subject, exc.message)
