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
def verify(
    ctx: typer.Context,
    blobs: bool = typer.Option(
        False,
        "--blobs",
        help="Also read back and re-hash every blob the records point at (datasets, models, "
        "reports, the prediction log) and list what is missing or corrupt, with its users.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check the whole hash chain, its signed head and this machine's anchor; exit 3 when
    an event was edited, deleted, reordered, renumbered or the chain cut (or, with --blobs,
    a blob is missing or corrupt)."""
    from modelward.review import check_blobs

    with workspace(ctx) as ws:
        report = ws.verify_events()
        checked = check_blobs(ws) if blobs else None
    where = "" if report.broken_seq is None else f" at event {report.broken_seq}"
    lines = [
        f"OK: {report.checked} events, chain intact, head signed"
        if report.ok
        else f"TAMPERED{where}: {report.reason}"
    ]
    if checked is not None:
        lines.append(
            f"OK: {checked.checked} blobs read back, every hash matches"
            if checked.ok
            else f"BLOBS: {len(checked.problems)} of {checked.checked} missing or corrupt"
        )
        for p in checked.problems:
            lines.append(f"  {p.blob[:12]} {p.problem}; needed by {', '.join(p.used_by)}")
    body = report.to_json()
    if checked is not None:
        body["blobs"] = checked.to_json()
    output(as_json).result(body, lambda: "\n".join(lines))
    if not report.ok or (checked is not None and not checked.ok):
        raise typer.Exit(TAMPERED)
