"""Every command a user can type is documented in the README."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command

from modelward.cli import app
from modelward.cli.app import COMMANDS

README = (Path(__file__).parents[3] / "README.md").read_text()


def _commands(group: typer.Typer) -> list[str]:
    """Each command and sub-command, the lazily imported ones loaded (see cli.lazy)."""
    root = get_command(group)
    loaded = {name: entry.load(name) for name, entry in COMMANDS.items()}
    found: list[str] = []
    for name, command in {**getattr(root, "commands", {}), **loaded}.items():
        subs = getattr(command, "commands", None)
        found.extend(f"{name} {sub}" for sub in subs) if subs else found.append(name)
    return found


def test_every_command_is_in_the_readme() -> None:
    commands = _commands(app)
    assert "data add" in commands
    for command in commands:
        group, _, sub = command.partition(" ")
        lines = [line for line in README.splitlines() if f"modelward {group}" in line]
        mentioned = (
            any(sub in line.replace("|", " ").split() for line in lines) if sub else bool(lines)
        )
        assert mentioned, f"`modelward {command}` is not documented in README.md"
