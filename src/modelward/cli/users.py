"""`modelward users`: who may review, approve and administer."""

from __future__ import annotations

import typer
from rich.table import Table

from modelward.access import Role
from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.permissions import add_user, all_users, change_role

app = typer.Typer(help="Users and their roles (viewer, scientist, approver, admin).")

ROLES = " | ".join(r.value for r in Role)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str,
    role: str = typer.Option(..., "--role", help=ROLES),
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a user (admin only; the first user must be an admin)."""
    chosen = Role.parse(role)
    with workspace(ctx) as ws:
        user = add_user(ws, name, chosen)
    output(as_json).result(user.to_json(), lambda: f"user {user.name} added as {user.role.value}")


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    name: str,
    role: str = typer.Option(..., "--role", help=ROLES),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a user's role (admin only)."""
    chosen = Role.parse(role)
    with workspace(ctx) as ws:
        user = change_role(ws, name, chosen)
    output(as_json).result(user.to_json(), lambda: f"{user.name} is now {user.role.value}")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List users and roles."""
    with workspace(ctx) as ws:
        found = all_users(ws)

    def table() -> Table:
        view = Table("user", "role", "added", "by")
        for u in found:
            view.add_row(u.name, u.role.value, u.created_at[:19], u.created_by)
        return view

    output(as_json).result([u.to_json() for u in found], table)
