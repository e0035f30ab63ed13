"""`modelward project`: create, update, list and show project specs."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml
from rich.table import Table

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.spec import Project, get_project, list_projects, project_from_file

app = typer.Typer(help="Project specs: what to predict and how to judge it.", no_args_is_help=True)

SPEC_ARG = typer.Argument(Path("modelward.yaml"), help="Path of the project spec file.")


@app.command("create")
def create(ctx: typer.Context, spec: Path = SPEC_ARG, as_json: bool = JSON_OPTION) -> None:
    """Register the project described by a modelward.yaml."""
    with workspace(ctx) as ws:
        project = project_from_file(ws, spec)
    output(as_json).result(project.to_json(), lambda: _said(project, "ready"))


@app.command("update")
def update(ctx: typer.Context, spec: Path = SPEC_ARG, as_json: bool = JSON_OPTION) -> None:
    """Replace a project's spec with the file's; the change is recorded."""
    with workspace(ctx) as ws:
        project = project_from_file(ws, spec, update=True)
    output(as_json).result(project.to_json(), lambda: _said(project, "updated"))


def _said(project: Project, done: str) -> str:
    """The outcome, what the value model implies, and what is allowed but probably wrong."""
    lines = [f"Project {project.name} {done}"]
    value = project.spec.value
    if value is not None:
        lines.append(f"value model: {value.describe()}")
    lines += [f"warning: {w}" for w in project.spec.warnings()]
    return "\n".join(lines)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List projects."""
    with workspace(ctx) as ws:
        found = list_projects(ws)

    def table() -> Table:
        view = Table("name", "task", "target", "metric", "updated")
        for p in found:
            view.add_row(
                p.name, p.spec.task.value, p.spec.target or "", p.spec.primary_metric, p.updated_at
            )
        return view

    output(as_json).result([p.to_json() for p in found], table)


@app.command("show")
def show(ctx: typer.Context, name: str, as_json: bool = JSON_OPTION) -> None:
    """Show a project's spec."""
    with workspace(ctx) as ws:
        project = get_project(ws, name)
    output(as_json).result(
        project.to_json(), lambda: yaml.safe_dump(project.spec.to_json(), sort_keys=False)
    )
