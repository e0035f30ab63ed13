"""`modelward audit`: read and verify the tamper-evident event log."""

from __future__ import annotations

import typer
from rich.table import Table

from modelward.cli.context import JSON_OPTION, output, workspace

app = typer.Typer(help="The event log: who did what, and proof it was not edited.")


@app.command("log")
def log(
    ctx: typer.Context,
    subject: str | None = typer.Option(None, help="Only events about this subject."),
    action: str | None = typer.Option(None, help="Only events of this action."),
    limit: int = typer.Option(50, min=1, help="Newest N events."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the newest events."""
    with workspace(ctx) as ws:
        found = ws.read_events(subject=subject, action=action, limit=limit)

    def table() -> Table:
        view = Table("seq", "time", "actor", "action", "subject", "hash")
        for e in reversed(found):
            view.add_row(str(e.seq), e.time[:19], e.actor, e.action, e.subject, e.hash[:12])
        return view

    output(as_json).result([e.to_json() for e in found], table)


TAMPERED = 3  # the exit code of a chain found tampered with (1 is an internal failure)


@app.command("verify")
def verify(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Check the whole hash chain, its signed head and this machine's anchor; exit 3 when
    an event was edited, deleted, reordered, renumbered or the chain cut."""
    with workspace(ctx) as ws:
        report = ws.verify_events()
    where = "" if report.broken_seq is None else f" at event {report.broken_seq}"
    message = (
        f"OK: {report.checked} events, chain intact, head signed"
        if report.ok
        else f"TAMPERED{where}: {report.reason}"
    )
    output(as_json).result(report.to_json(), lambda: message)
    if not report.ok:
        raise typer.Exit(TAMPERED)
