"""One access check for every use case, and one refusal.

`require(ws, action, subject)` returns the acting user when their role allows `action`; a
workspace with no users is single-user and anyone may, except for actions that need a named
person. Every refusal, of access or of state, is recorded as `<action>.refused` on `subject`
before it is raised: a refused access is `Forbidden` (HTTP 403, exit 2) wherever it happens.
"""

from __future__ import annotations

from typing import NoReturn

from modelward.access import Role, User, count_users, find_user
from modelward.errors import Forbidden, ModelwardError
from modelward.permissions.rules import rule_of
from modelward.workspace import Workspace


def require(
    ws: Workspace, action: str, subject: str, *, at_least: Role | None = None
) -> User | None:
    """The acting user, allowed `action` on `subject` (`at_least` raises the rule's role for
    this subject); None in a single-user workspace. Refused, recorded and Forbidden otherwise."""
    rule = rule_of(action)
    needed = at_least or rule.role
    with ws.transaction() as conn:
        user = find_user(conn, ws.actor)
        anyone = user is not None or count_users(conn) > 0
    if user is None and (anyone or rule.named):
        refuse(
            ws,
            action,
            subject,
            f"{ws.actor!r} is not a registered user and may not {rule.doing}; an admin adds "
            f"one with `modelward users add {ws.actor} --role {needed.value}`",
        )
    if user is not None and not user.role.allows(needed):
        refuse(
            ws,
            action,
            subject,
            f"{user.name} is {_a(user.role.value)} and may not {rule.doing}: that needs the "
            f"{needed.value} role or above",
        )
    return user


def refuse(
    ws: Workspace,
    action: str,
    subject: str,
    reason: str,
    error: type[ModelwardError] = Forbidden,
) -> NoReturn:
    """Record the refused attempt in its own transaction (it outlives the refusal), then raise."""
    with ws.transaction() as conn:
        ws.record(conn, f"{action}.refused", subject, {"reason": reason})
    raise error(reason)


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
