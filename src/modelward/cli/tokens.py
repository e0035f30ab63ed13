"""`modelward tokens`: API tokens for the server, each carrying a user and their role."""

from __future__ import annotations

import typer
from rich.table import Column, Table
from rich.text import Text

from modelward.access import check_rate, expiry_after_days
from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.errors import InputError
from modelward.serving import (
    api_tokens,
    create_api_token,
    revoke_api_token,
    revoke_user_tokens,
)

app = typer.Typer(help="API tokens: create (shown once), list, revoke.")


@app.command("create")
def create(
    ctx: typer.Context,
    user: str,
    label: str = typer.Option("", "--label", help="What the token is for, e.g. 'ci' or 'app'."),
    rate: float | None = typer.Option(
        None,
        "--rate",
        help="Rows per second for this token, at most the server's [default: the server's].",
    ),
    expires_days: int | None = typer.Option(
        None, "--expires-days", help="Expire after this many days [default: never]."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a token for USER (yourself, or anyone if you are an admin); it is shown once."""
    chosen_rate = None if rate is None else check_rate(rate, field="--rate")
    expires_at = None if expires_days is None else expiry_after_days(expires_days)
    with workspace(ctx) as ws:
        issued = create_api_token(
            ws, user, label=label, rate_per_second=chosen_rate, expires_at=expires_at
        )
    info = issued.info

    def shown() -> Text:
        return Text.assemble(
            f"token {info.token_id} for {info.user} ({info.role.value}):\n",
            (issued.token, "bold"),
            "\nshown once: store it now, it cannot be shown again",
        )

    output(as_json).result(issued.to_json(), shown)


@app.command("list")
def list_(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List tokens (never their secrets), revoked and expired ones included."""
    with workspace(ctx) as ws:
        found = api_tokens(ws, user)

    def table() -> Table:
        view = Table("user", "role", "label", "rate/s", "status", "created", "expires")
        # The id is what `tokens revoke` takes: never truncated.
        view.columns.insert(0, Column("id", no_wrap=True, min_width=12))
        for t in found:
            rate = "default" if t.rate_per_second is None else f"{t.rate_per_second:g}"
            expires = "never" if t.expires_at is None else t.expires_at[:19]
            row = (t.token_id, t.user, t.role.value, t.label, rate, t.status(), t.created_at[:19])
            view.add_row(*(Text(cell) for cell in (*row, expires)))
        return view

    output(as_json).result([t.to_json() for t in found], table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: str | None = typer.Argument(None, help="The token's id (from `tokens list`)."),
    children: bool = typer.Option(
        False, "--children", help="Also revoke every token made with it (and with those)."
    ),
    user: str | None = typer.Option(None, "--user", help="Revoke every token of this user."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke a token by its id, or every token of a user (yours, or anyone's as an admin)."""
    if (token_id is None) == (user is None):
        raise InputError("tokens revoke: give a token id, or --user NAME for all of a user's")
    with workspace(ctx) as ws:
        if user is not None:
            gone = revoke_user_tokens(ws, user)
            said = f"{len(gone)} token(s) of {user} revoked"
            output(as_json).result([t.to_json() for t in gone], lambda: said)
            return
        assert token_id is not None
        info = revoke_api_token(ws, token_id, children=children)
    output(as_json).result(info.to_json(), lambda: f"token {info.token_id} of {info.user} revoked")
