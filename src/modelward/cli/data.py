"""`modelward data`: add, list, show, diff and audit dataset versions."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Group
from rich.table import Table

from modelward.audit import StoredAudit, audit_dataset, audit_html
from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.cli.render import audit_view, diff_view, version_view
from modelward.datasets import add_dataset, diff_versions, get_version, list_versions

app = typer.Typer(help="Versioned, audited datasets.", no_args_is_help=True)

SENSITIVE_HELP = "Comma-separated sensitive attributes (overrides the project's)."


def _split(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


@app.command("add")
def add(
    ctx: typer.Context,
    source: str | None = typer.Argument(None, help="CSV or Parquet file, or s3:// URI."),
    name: str | None = typer.Option(None, "--name", help="Dataset name [default: file stem]."),
    project: str | None = typer.Option(None, "--project", help="Project the data belongs to."),
    sql: str | None = typer.Option(None, "--sql", help="A query to load instead of a file."),
    db: str | None = typer.Option(None, "--db", help="Database URL for --sql."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Text encoding of a CSV file."),
    target: str | None = typer.Option(None, "--target", help="Target column to check and audit."),
    sensitive: str | None = typer.Option(None, "--sensitive", help=SENSITIVE_HELP),
    audit: bool = typer.Option(True, "--audit/--no-audit", help="Audit the new version."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a new immutable version of a dataset (same content: same version) and audit it."""
    out = output(as_json)
    required = {"--target": target} if target else {}
    required.update({f"--sensitive {c}": c for c in _split(sensitive) or ()})
    with workspace(ctx) as ws, out.progress("Adding data") as step:
        result = add_dataset(
            ws,
            source,
            name=name,
            project=project,
            sql=sql,
            db=db,
            encoding=encoding,
            required_columns=required,
            on_step=step,
        )
        stored: StoredAudit | None = None
        if audit:
            step("auditing")
            stored = audit_dataset(
                ws, result.version.ref, target=target, sensitive=_split(sensitive)
            )
    data = {"created": result.created, **result.version.to_json()}
    if stored is not None:
        data["audit"] = stored.to_json()
    verb = "Added" if result.created else "Unchanged (same content)"

    def render() -> Group:
        parts = [
            f"{verb}: [bold]{result.version.ref}[/]  sha256 {result.version.content_hash[:12]}"
        ]
        return Group(*parts, *([audit_view(stored, brief=True)] if stored else []))

    out.result(data, render)


@app.command("list")
def list_(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--name", help="Only versions of this dataset."),
    project: str | None = typer.Option(None, "--project", help="Only this project's datasets."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List dataset versions."""
    with workspace(ctx) as ws:
        found = list_versions(ws, name=name, project=project)

    def table() -> Table:
        view = Table("ref", "rows", "cols", "sha256", "parent", "project", "created", "by")
        for v in found:
            view.add_row(
                v.ref,
                f"{v.n_rows:,}",
                str(v.n_columns),
                v.content_hash[:12],
                v.parent or "",
                v.project or "",
                v.created_at[:19],
                v.created_by,
            )
        return view

    output(as_json).result([v.to_json() for v in found], table)


@app.command("show")
def show(ctx: typer.Context, ref: str, as_json: bool = JSON_OPTION) -> None:
    """Show a version: source, lineage and schema contract."""
    with workspace(ctx) as ws:
        version = get_version(ws, ref)
    output(as_json).result(version.to_json(), lambda: version_view(version))


@app.command("diff")
def diff(ctx: typer.Context, old: str, new: str, as_json: bool = JSON_OPTION) -> None:
    """Compare two versions: schema, row counts, per-column distribution change."""
    with workspace(ctx) as ws:
        result = diff_versions(ws, old, new)
    output(as_json).result(result.to_json(), lambda: diff_view(old, new, result))


@app.command("audit")
def audit(
    ctx: typer.Context,
    ref: str,
    target: str | None = typer.Option(None, "--target", help="Target column (overrides spec)."),
    sensitive: str | None = typer.Option(None, "--sensitive", help=SENSITIVE_HELP),
    rerun: bool = typer.Option(False, "--rerun", help="Run again even if a report exists."),
    html: Path | None = typer.Option(None, "--html", help="Also write the HTML report here."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Audit a version for quality and risk: findings with severities, worst first."""
    out = output(as_json)
    with workspace(ctx) as ws, out.progress("Auditing") as _step:
        stored = audit_dataset(ws, ref, target=target, sensitive=_split(sensitive), rerun=rerun)
        page = audit_html(ws, stored) if html else None
    if html is not None and page is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
    data = stored.to_json()
    if html is not None:
        data["html_path"] = str(html)
    out.result(data, lambda: audit_view(stored, brief=False, html_path=html))
