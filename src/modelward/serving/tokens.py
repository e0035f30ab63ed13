"""API token use cases on a workspace: issue, revoke, list; each mutation is an event.

The rules (owner or admin, a registered user, secrets hashed) live in `modelward.access.tokens`;
here each use case runs in one transaction with its event, and a refusal is recorded too, so the
log shows who tried to manage whose tokens. Events never carry a token's secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from modelward.access.tokens import TokenInfo, check_token_id
from modelward.access.tokens import create_token as _create
from modelward.access.tokens import list_tokens as _list
from modelward.access.tokens import revoke_token as _revoke
from modelward.access.users import check_user_name
from modelward.errors import Forbidden
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
) -> IssuedToken:
    """Issue a token for `user`, acting as `ws.actor` (the user themself, or an admin)."""
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
            )
            payload = {
                "user": info.user,
                "label": info.label,
                "rate_per_second": info.rate_per_second,
                "expires_at": info.expires_at,
            }
            ws.record(conn, "token.created", f"token/{info.token_id}", payload)
    except Forbidden as exc:
        _refused(ws, "token.create", f"user/{user}", exc)
    return IssuedToken(text, info)


def revoke_api_token(ws: Workspace, token_id: str) -> TokenInfo:
    """Revoke a token for good, acting as `ws.actor` (its owner, or an admin).

    Servers notice within their token cache's time to live (5 s by default).
    """
    token_id = check_token_id(token_id)
    try:
        with ws.transaction() as conn:
            info = _revoke(conn, token_id, by=ws.actor)
            ws.record(conn, "token.revoked", f"token/{token_id}", {"user": info.user})
    except Forbidden as exc:
        _refused(ws, "token.revoke", f"token/{token_id}", exc)
    return info


def api_tokens(ws: Workspace, user: str | None = None) -> list[TokenInfo]:
    """Every token, or `user`'s, oldest first; secrets are never stored, so never shown."""
    with ws.transaction() as conn:
        return _list(conn, user)


def _refused(ws: Workspace, action: str, subject: str, exc: Forbidden) -> NoReturn:
    with ws.transaction() as conn:
        ws.record(conn, f"{action}.refused", subject, {"reason": exc.message})
    raise exc
