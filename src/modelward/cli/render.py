"""Rich views of records, shared by commands. Pure functions: record in, renderable out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from modelward.audit import Severity, StoredAudit
from modelward.datasets import ColumnChange, ColumnContract, DatasetDiff, DatasetVersion

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
BRIEF_LIMIT = 12


def audit_view(
    stored: StoredAudit, *, brief: bool, html_path: Path | None = None
) -> RenderableType:
    report = stored.report
    counts = report.counts()
    summary = Text.assemble(
        (f"Audit of {stored.dataset}: ", "bold"),
        *_count_parts(counts),
        f"  ({report.n_rows:,} rows x {report.n_columns} columns, {report.seconds:.1f} s)",
    )
    table = Table("severity", "check", "finding", show_lines=False, expand=False)
    findings = report.findings
    shown = findings[:BRIEF_LIMIT] if brief else findings
    for finding in shown:
        style = STYLE[finding.severity]
        table.add_row(Text(finding.severity.value, style=style), finding.check, finding.message)
    parts: list[RenderableType] = [summary, table]
    if len(shown) < len(findings):
        parts.append(
            f"... {len(findings) - len(shown)} more: `modelward data audit {stored.dataset}`"
        )
    if html_path is not None:
        parts.append(f"HTML report: {html_path}")
    return Group(*parts)


def _count_parts(counts: dict[str, int]) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = counts.get(severity.value, 0)
        parts.append((f"{n} {severity.value}{'s' if n != 1 else ''}  ", STYLE[severity]))
    return parts


def version_view(version: DatasetVersion) -> RenderableType:
    head = Table.grid(padding=(0, 2))
    for key, value in (
        ("dataset", version.ref),
        ("sha256", version.content_hash),
        ("rows x cols", f"{version.n_rows:,} x {version.n_columns}"),
        ("size", f"{version.size_bytes / 1e6:.1f} MB (canonical Parquet)"),
        ("source", _describe_source(version.source)),
        ("parent", version.parent or "-"),
        ("project", version.project or "-"),
        ("created", f"{version.created_at} by {version.created_by}"),
    ):
        head.add_row(Text(key, style="bold"), value)
    columns = Table("column", "type", "role", "nulls", "distinct", "range / categories")
    for col in version.contract.columns:
        columns.add_row(
            col.name,
            col.dtype,
            col.role.value,
            f"{col.null_count:,}",
            f"{col.n_unique:,}",
            _range(col),
        )
    return Group(head, columns)


def _describe_source(source: dict[str, Any]) -> str:
    text = f"{source.get('kind')}: {source.get('location')}"
    return text + (f"  query: {source['query']}" if source.get("query") else "")


def _range(col: ColumnContract) -> str:
    if col.categories:
        shown = ", ".join(col.categories[:6])
        return shown + (" ..." if len(col.categories) > 6 else "")
    if col.minimum is not None or col.maximum is not None:
        return col.range_text
    return ""


def diff_view(old: str, new: str, diff: DatasetDiff) -> RenderableType:
    lines: list[RenderableType] = [
        Text(f"{old} -> {new}", style="bold"),
        f"rows: {diff.rows_old:,} -> {diff.rows_new:,} ({diff.rows_delta:+,})",
    ]
    if diff.added:
        lines.append(f"columns added: {', '.join(diff.added)}")
    if diff.removed:
        lines.append(f"columns removed: {', '.join(diff.removed)}")
    lines.extend(f"type changed: {t.column} {t.old} -> {t.new}" for t in diff.type_changed)
    table = Table("column", "kind", "PSI", "verdict", "change")
    for change in sorted(diff.changes, key=lambda c: -c.psi):
        table.add_row(
            change.column,
            change.kind,
            f"{change.psi:.3f}",
            Text(change.verdict.value, style=VERDICT_STYLE[change.verdict.value]),
            _change_detail(change),
        )
    lines.append(table)
    return Group(*lines)


VERDICT_STYLE = {"stable": "green", "moderate": "yellow", "major": "bold red"}


def _change_detail(change: ColumnChange) -> str:
    nulls = ""
    if change.null_rate_old != change.null_rate_new:
        nulls = f"; nulls {change.null_rate_old:.1%} -> {change.null_rate_new:.1%}"
    if change.kind == "numeric" and change.mean_old is not None and change.mean_new is not None:
        return f"mean {change.mean_old:.4g} -> {change.mean_new:.4g}{nulls}"
    if change.top_category is not None and change.share_old is not None:
        share_new = change.share_new or 0.0
        return f"`{change.top_category}` {change.share_old:.1%} -> {share_new:.1%}{nulls}"
    return nulls.removeprefix("; ")
