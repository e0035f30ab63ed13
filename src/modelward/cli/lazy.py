"""Sub-commands imported when they run, so that `modelward --help` imports none of them.

Each command module imports the stages it drives (training imports the ML libraries), and a
command line that imported them all took seconds to print its help. The root group lists each
sub-command from a name, the place to import it from and its one-line help, and imports only
the one being run. A test checks that each entry's help is the command's own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer import _click as click  # typer vendors click: its classes are these
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Entry:
    """A sub-command: `target` is "module:attribute", a Typer app or a command function."""

    target: str
    help: str

    def load(self, name: str) -> click.Command:
        module, _, attribute = self.target.partition(":")
        found: Any = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)  # a sub-group: no completion options
            group.name = name
            return group
        single = typer.Typer(add_completion=False)
        single.command(name)(found)
        return typer.main.get_command(single)


class LazyGroup(TyperGroup):
    """The root group: `entries` are listed from their help, loaded when resolved to run."""

    entries: dict[str, Entry] = {}  # noqa: RUF012 - set once, by the root app (see app.py)
    order: tuple[str, ...] = ()  # the listing's order; names not in it follow

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [*super().list_commands(ctx), *self.entries]
        return [*self.order, *(name for name in dict.fromkeys(known) if name not in self.order)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A placeholder carrying the help for an entry not loaded: this serves listings."""
        found = super().get_command(ctx, cmd_name)
        entry = self.entries.get(cmd_name)
        if found is not None or entry is None:
            return found
        return TyperCommand(cmd_name, help=entry.help)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command to run: an entry is imported now, and kept."""
        name, command, rest = super().resolve_command(ctx, args)
        entry = None if name is None else self.entries.get(name)
        if name is not None and entry is not None and name not in self.commands:
            command = entry.load(name)
            self.add_command(command, name)
        return name, command, rest
