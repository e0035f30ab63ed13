"""`modelward models card` and `modelward export-audit`: a model's card, and the auditor's zip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.files import check_output, write_text

if TYPE_CHECKING:
    from modelward.review import AuditExport

CARD_SUFFIXES = (".md", ".html")


def card_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model reference: project/v3, project@production."),
    to: Path | None = typer.Option(
        None, "-o", "--output", help="Write the card here: a .md (Markdown) or .html file."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a model's card: use, data, design, evaluation, risks, limitations, approvals."""
    from modelward.review import model_card

    if to is not None:
        check_output(to, flag="--output", suffixes=CARD_SUFFIXES)
    with workspace(ctx) as ws:
        card = model_card(ws, model)
    if to is not None:
        write_text(to, card.html if to.suffix.lower() == ".html" else card.markdown)
    body = {**card.to_json(), "output": None if to is None else str(to)}
    # Text, not a markup string: the card's own `[` and `\` must reach the terminal as written.
    shown = Text(card.markdown) if to is None else Text(f"Model card of {card.model}: {to}")
    output(as_json).result(body, lambda: shown)


def export_audit_command(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model reference: project/v3, project@production."),
    to: Path = typer.Option(..., "-o", "--output", help="The zip to write, e.g. bundle.zip."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the auditor's bundle: card, evaluation, signed manifest, lineage, event chain."""
    from modelward.review import export_audit

    out = output(as_json)
    with workspace(ctx) as ws, out.progress(f"exporting {model}"):
        done = export_audit(ws, model, to)
    out.result(done.to_json(), lambda: _render_export(done))


def _render_export(done: AuditExport) -> Text:
    chain = "intact" if done.chain_ok else "BROKEN: see the README"
    return Text(
        f"Audit bundle of {done.model}: {done.path} ({len(done.files)} files, "
        f"{done.size_bytes:,} bytes, sha256 {done.sha256[:12]})\n"
        f"Event chain up to event {done.chain_seq} ({chain}); export recorded as event "
        f"{done.event_seq}. Unzip it and run `python3 verify_chain.py` to check the chain."
    )
