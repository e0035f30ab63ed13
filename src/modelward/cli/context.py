"""What every command shares: the settings overrides from global flags and the output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from modelward.cli.output import Output

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported by commands that open it, not by --help
    from modelward.workspace import Workspace


@dataclass
class AppState:
    overrides: dict[str, object | None] = field(default_factory=dict)


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def workspace(ctx: typer.Context) -> Workspace:
    from modelward.workspace import open_workspace

    return open_workspace(**state(ctx).overrides)


JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document instead of tables.")


def output(json_mode: bool) -> Output:
    return Output(json_mode=json_mode)
