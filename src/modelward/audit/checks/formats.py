"""Type and format consistency of text columns.

Numbers or dates written as text with stray values among them, mixed date formats, stray spaces,
and one category spelled in several cases.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from modelward.audit import wording as w
from modelward.audit.checks.quality import MISSING_MARKERS, count_matching, is_marker
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.profile import Kind
from modelward.audit.registry import check

CHECK = "type_consistency"
MOSTLY = 0.8

DATE_SHAPES: tuple[tuple[str, str], ...] = (
    (
        "YYYY-MM-DD",
        r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$",
    ),
    ("YYYY/MM/DD", r"^\d{4}/\d{1,2}/\d{1,2}$"),
    ("DD/MM/YYYY or MM/DD/YYYY", r"^\d{1,2}/\d{1,2}/\d{2,4}$"),
    ("DD.MM.YYYY", r"^\d{1,2}\.\d{1,2}\.\d{2,4}$"),
    ("DD-MM-YYYY", r"^\d{1,2}-\d{1,2}-\d{4}$"),
    ("DD Mon YYYY", r"^\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{2,4}$"),
    ("Mon DD, YYYY", r"^[A-Za-z]{3,9}\.? \d{1,2},? \d{4}$"),
)
ANY_DATE = "|".join(f"(?:{pattern})" for _, pattern in DATE_SHAPES)


@check(CHECK)
def type_consistency(ctx: AuditContext) -> list[Finding]:
    """Text columns of numbers or dates with stray values, mixed date formats, spaces, case."""
    columns = [
        p
        for p in ctx.profiles.values()
        if p.kind is Kind.STRING and p.n_present and not p.free_text
    ]
    out: list[Finding] = []
    for p in columns:
        out += _numbers_or_dates(ctx, p.name)
    out += _spaces(ctx, [p.name for p in columns])
    for p in columns:
        out += _case_variants(ctx, p.name)
    return out


def _share(flags: pl.Series) -> float:
    return float(flags.sum()) / len(flags) if len(flags) else 0.0


def _present(series: pl.Series) -> pl.Series:
    stripped = series.cast(pl.String).str.strip_chars()
    return stripped.filter(stripped.is_not_null() & ~stripped.is_in(MISSING_MARKERS))


def _numbers_or_dates(ctx: AuditContext, name: str) -> list[Finding]:
    values = _present(ctx.sample[name])
    if values.is_empty():
        return []
    numeric = values.cast(pl.Float64, strict=False).is_not_null()
    if numeric.all():
        shown = w.values(values.unique(maintain_order=True))
        msg = (
            f"column `{name}` holds numbers written as text (e.g. {shown}); "
            "convert it to a number if it is a quantity"
        )
        return [Finding(CHECK, Severity.INFO, msg, name, {"numeric_share": 1.0})]
    if _share(numeric) >= MOSTLY:
        return [
            _stray(
                ctx,
                name,
                "numbers",
                lambda v: v.str.strip_chars().cast(pl.Float64, strict=False).is_null(),
            )
        ]
    dated = values.str.contains(ANY_DATE)
    if _share(dated) < MOSTLY:
        return []
    out: list[Finding] = []
    if not dated.all():
        out.append(
            _stray(ctx, name, "dates", lambda v: ~v.str.strip_chars().str.contains(ANY_DATE))
        )
    out += _mixed_dates(ctx, name, values.filter(dated))
    return out


def _stray(ctx: AuditContext, name: str, what: str, bad: Callable[[pl.Expr], pl.Expr]) -> Finding:
    n, shown = count_matching(ctx, name, lambda v: bad(v) & ~is_marker(v))
    msg = (
        f"column `{name}` holds mostly {what} but {w.count(n)} values "
        f"({w.share(n, ctx.frame.height)}) are not, e.g. {w.values(shown)}; "
        f"fix or remove them, then store the column as {what}"
    )
    details: dict[str, JSON] = {"kind": what, "offending": n, "examples": shown}
    return Finding(CHECK, Severity.WARNING, msg, name, details)


def _mixed_dates(ctx: AuditContext, name: str, dates: pl.Series) -> list[Finding]:
    shares = {label: _share(dates.str.contains(pattern)) for label, pattern in DATE_SHAPES}
    used = {label: s for label, s in sorted(shares.items(), key=lambda kv: -kv[1]) if s > 0}
    if len(used) < 2:
        return []
    listed = ", ".join(f"{label} ({100 * s:.1f}%)" for label, s in used.items())
    where = " in a sample of rows" if ctx.sampled else ""
    msg = f"column `{name}` mixes date formats{where}: {listed}; parse each format explicitly"
    return [Finding(CHECK, Severity.WARNING, msg, name, {"formats": used})]


def _spaces(ctx: AuditContext, names: list[str]) -> list[Finding]:
    out = []
    for name in names:
        n, seen = count_matching(ctx, name, lambda v: (v != v.str.strip_chars()) & ~is_marker(v))
        if not n:
            continue
        msg = (
            f"column `{name}`: {w.count(n)} values ({w.share(n, ctx.frame.height)}) have "
            f"leading or trailing spaces, e.g. {w.values(seen)}; strip them"
        )
        out.append(Finding(CHECK, Severity.WARNING, msg, name, {"padded": n, "examples": seen}))
    return out


def _case_variants(ctx: AuditContext, name: str) -> list[Finding]:
    counts = ctx.value_counts.get(name)
    if counts is None:
        return []
    spelled = (
        counts.select(pl.col("value").cast(pl.String).str.strip_chars().alias("v"), "n")
        .group_by("v")
        .agg(pl.col("n").sum())
        .with_columns(pl.col("v").str.to_lowercase().alias("key"))
    )
    clashes = (
        spelled.sort(["n", "v"], descending=[True, False])
        .group_by("key", maintain_order=True)
        .agg(pl.col("v"), (pl.col("n").sum() - pl.col("n").first()).alias("minority"))
        .filter(pl.col("v").list.len() > 1)
    )
    if clashes.is_empty():
        return []
    rows = int(clashes["minority"].sum())
    shown = "; ".join("/".join(w.value(v) for v in vs[:4]) for vs in clashes["v"].head(3).to_list())
    msg = (
        f"column `{name}` spells {w.plural(clashes.height, 'category', 'categories')} in several "
        f"cases ({shown}); {w.count(rows)} rows ({w.share(rows, ctx.frame.height)}) use the less "
        "common spelling: normalise the case"
    )
    details: dict[str, JSON] = {
        "categories": clashes.height,
        "rows": rows,
        "variants": clashes["v"].head(10).to_list(),
    }
    return [Finding(CHECK, Severity.WARNING, msg, name, details)]
