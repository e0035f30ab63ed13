"""`modelward keys` and `modelward team`: each member's signing key, and team mode."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.permissions import (
    add_key,
    all_keys,
    home_key,
    read_pem,
    revoke_key,
    rotate_key,
    set_team,
    team_status,
    vouch_for_key,
)

app = typer.Typer(help="Signing keys: this home's, and every member's registered public key.")
team_app = typer.Typer(help="Team mode: every write signed by its actor's own registered key.")


@app.command("show")
def show(
    ctx: typer.Context,
    public: bool = typer.Option(False, "--public", help="Print only the public key (PEM)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """This home's signing key: its id, where it lives, and who it is registered to."""
    with workspace(ctx) as ws:
        own, registered = home_key(ws)
        folder = ws.settings.home / "keys"
    if public:
        sys.stdout.write(own.public_pem())
        return
    data = {
        "key_id": own.key_id,
        "folder": str(folder),
        "registered": None if registered is None else registered.to_json(),
        "public_pem": own.public_pem(),
    }

    def text() -> str:
        if registered is None:
            state = (
                "not registered yet: it registers itself on your first change, or, in team "
                "mode, an admin registers it with `modelward keys add YOU FILE` (send them the "
                "output of `modelward keys show --public`)"
            )
        else:
            kind, status = registered.kind.value, registered.status.value
            state = f"registered to {registered.owner} ({kind}), {status}"
        return f"key {own.key_id} in {folder}\n{state}"

    output(as_json).result(data, text)


@app.command("list")
def list_(
    ctx: typer.Context,
    owner: str | None = typer.Option(None, "--owner", help="Only this member's keys."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every registered key: owner, kind, status and who registered it."""
    with workspace(ctx) as ws:
        found = all_keys(ws, owner=owner)

    def table() -> Table:
        view = Table("owner", "kind", "status", "registered (UTC)", "by", "confirmed by", "reason")
        view.add_column("key", no_wrap=True)
        for k in found:
            registered = k.registered_at[:16].replace("T", " ")
            view.add_row(
                k.owner,
                k.kind.value,
                k.status.value,
                registered,
                k.registered_by,
                k.confirmed_by or "not yet",
                k.reason or "",
                k.key_id,
            )
        return view

    output(as_json).result([k.to_json() for k in found], table)


@app.command("add")
def add(
    ctx: typer.Context,
    owner: str = typer.Argument(..., help="The member the key belongs to."),
    file: Path = typer.Argument(..., help="Their public key: `modelward keys show --public`."),
    service: bool = typer.Option(
        False, "--service", help="A server's key: it signs for callers its tokens authenticate."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a member's public key (admin only)."""
    text = read_pem(file)
    with workspace(ctx) as ws:
        key = add_key(ws, owner, text, service=service)
    output(as_json).result(
        key.to_json(), lambda: f"key {key.key_id} registered to {key.owner} ({key.kind.value})"
    )


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    key_id: str = typer.Argument(..., help="The key's id, from `modelward keys list`."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Vouch for a key its home registered itself before team mode (admin only)."""
    with workspace(ctx) as ws:
        key = vouch_for_key(ws, key_id)
    output(as_json).result(
        key.to_json(), lambda: f"key {key.key_id} of {key.owner} confirmed by {key.confirmed_by}"
    )


@app.command("rotate")
def rotate(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Give this home a new key; the old one is retired, and what it signed stays valid."""
    with workspace(ctx) as ws:
        old, new = rotate_key(ws)
    output(as_json).result(
        {"retired": old.to_json(), "active": new.to_json()},
        lambda: f"key {new.key_id} now signs for {new.owner}; key {old.key_id} is retired",
    )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: str = typer.Argument(..., help="The key's id, from `modelward keys list`."),
    reason: str = typer.Option(..., "--reason", help="Why it is no longer trusted."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Distrust a key (admin only): it signs nothing more, and what it signed is refused."""
    with workspace(ctx) as ws:
        key = revoke_key(ws, key_id, reason)
    output(as_json).result(
        key.to_json(), lambda: f"key {key.key_id} of {key.owner} revoked: {key.reason}"
    )


@team_app.command("on")
def on(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Turn team mode on (admin only): each write must be signed by its actor's own key."""
    _switch(ctx, True, as_json)


@team_app.command("off")
def off(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Turn team mode off (admin only)."""
    _switch(ctx, False, as_json)


@team_app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Whether team mode is on."""
    with workspace(ctx) as ws:
        on_now = team_status(ws)
    output(as_json).result({"team": on_now}, lambda: f"team mode is {'on' if on_now else 'off'}")


def _switch(ctx: typer.Context, on_now: bool, as_json: bool) -> None:
    with workspace(ctx) as ws:
        changed = set_team(ws, on_now)
    word = "on" if on_now else "off"
    output(as_json).result(
        {"team": on_now, "changed": changed},
        lambda: f"team mode is {word}" + ("" if changed else " (it was already)"),
    )
