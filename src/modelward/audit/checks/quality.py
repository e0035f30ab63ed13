"""Checks on the cells themselves: missing values and duplicated rows."""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from modelward.audit import wording as w
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.profile import ColumnProfile, Kind
from modelward.audit.registry import check

# Text that people and tools write where a value is missing; compared after stripping spaces.
MISSING_MARKERS: tuple[str, ...] = ("", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL")
MISSING_MARKERS += ("None", "none", "?", "-", "--")


def text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String)


_MARKER_PATTERN = r"^\s*(" + "|".join(re.escape(m) for m in MISSING_MARKERS) + r")\s*$"


def is_marker(value: pl.Expr) -> pl.Expr:
    # One anchored regex is faster than stripping every value and then looking it up.
    return value.str.contains(_MARKER_PATTERN)


@check("missing_values")
def missing_values(ctx: AuditContext) -> list[Finding]:
    """Missing values per column, and text values that stand for a missing one ("NA", "?", "")."""
    if ctx.frame.height == 0:
        return [Finding("missing_values", Severity.ERROR, "the table has no rows")]
    out = [f for p in ctx.profiles.values() if (f := _missing(p, ctx.target)) is not None]
    out += _markers(ctx)
    if not out:
        msg = f"no missing values in any of the {w.count(ctx.frame.width)} columns"
        out.append(Finding("missing_values", Severity.INFO, msg))
    return out


def _missing(p: ColumnProfile, target: str | None) -> Finding | None:
    n = p.n_missing
    if n == 0:
        return None
    details = {"missing": n, "nan": p.n_nan, "rows": p.n_rows, "share": n / p.n_rows}
    if n == p.n_rows:
        msg = f"column `{p.name}` is entirely missing ({w.count(n)} rows): drop it"
        return Finding("missing_values", Severity.ERROR, msg, p.name, details)
    nan = (
        "" if not p.n_nan else ", all NaN" if p.n_nan == n else f", of which {w.count(p.n_nan)} NaN"
    )
    msg = f"column `{p.name}`: {w.count(n)} missing values ({w.share(n, p.n_rows)}{nan})"
    severity = Severity.ERROR if n > p.n_rows / 2 else Severity.WARNING
    if severity is Severity.ERROR:
        msg += ", more than half of the rows"
    if p.name == target:
        msg += "; rows without a target cannot be used for training"
    return Finding("missing_values", severity, msg, p.name, details)


def _markers(ctx: AuditContext) -> list[Finding]:
    out = []
    for p in ctx.profiles.values():
        if p.kind is not Kind.STRING or not p.n_present:
            continue
        n, seen = count_matching(ctx, p.name, lambda v: v.str.contains(_MARKER_PATTERN))
        if not n:
            continue
        msg = (
            f"column `{p.name}`: {w.count(n)} values ({w.share(n, p.n_rows)}) are text "
            f"standing for a missing value ({w.values(seen)}); read them as missing"
        )
        details: dict[str, JSON] = {"markers": n, "rows": p.n_rows, "examples": seen}
        out.append(Finding("missing_values", Severity.WARNING, msg, p.name, details))
    return out


def count_matching(
    ctx: AuditContext, name: str, where: Callable[[pl.Expr], pl.Expr]
) -> tuple[int, list[str]]:
    """Rows of text column ``name`` whose value satisfies ``where``, and up to three such values.

    Reads the column's value counts when the context has them, the whole column otherwise.
    """
    counts = ctx.value_counts.get(name)
    if counts is not None:
        hits = counts.filter(where(pl.col("value").cast(pl.String))).sort("n", descending=True)
        return int(hits["n"].sum()), [str(v) for v in hits["value"].head(3)]
    value = text(name)
    n = int(ctx.frame.select(where(value).sum()).item())
    seen = (
        ctx.frame.select(value.filter(where(value)).unique(maintain_order=True).head(3))
        if n
        else None
    )
    return n, [] if seen is None else [str(v) for v in seen.to_series()]


@check("duplicates")
def duplicates(ctx: AuditContext) -> list[Finding]:
    """Rows that repeat an earlier row, and rows with the same features but a different target."""
    ids = [c for c in ctx.frame.columns if c in ctx.id_columns]
    columns = [c for c in ctx.frame.columns if c not in ctx.id_columns]
    features = [c for c in columns if c != ctx.target]
    if not features or ctx.frame.height < 2:
        return []
    # Row hashes rather than row tuples: one u64 per row keeps 1M x 30 tables fast and small.
    hashes = ctx.frame.select(
        pl.struct(features).hash(seed=ctx.seed).alias("features"),
        *([pl.col(ctx.target)] if ctx.target in columns else []),
    )
    hashes = hashes.select("features", pl.struct(pl.all()).hash(seed=ctx.seed).alias("all"))
    out: list[Finding] = []
    n = ctx.frame.height
    extra = n - hashes["all"].n_unique()
    if extra:
        ignoring = f" (ignoring id-like {', '.join(f'`{c}`' for c in ids)})" if ids else ""
        msg = (
            f"{w.count(extra)} rows ({w.share(extra, n)}) are exact copies of an earlier "
            f"row{ignoring}; drop them or check how the data was joined"
        )
        out.append(
            Finding("duplicates", Severity.WARNING, msg, None, {"duplicates": extra, "rows": n})
        )
    if ctx.target is not None:
        out += _conflicts(hashes, ctx.target, n)
    return out


def _conflicts(hashes: pl.DataFrame, target: str, n: int) -> list[Finding]:
    groups = (
        hashes.group_by("features")
        .agg(pl.col("all").n_unique().alias("variants"), pl.len().alias("rows"))
        .filter(pl.col("variants") > 1)
    )
    if groups.is_empty():
        return []
    rows = int(groups["rows"].sum())
    msg = (
        f"{w.count(groups.height)} groups of rows ({w.count(rows)} rows, {w.share(rows, n)}) have "
        f"identical features but different `{target}` values: the target cannot be learned for them"
    )
    details = {"groups": groups.height, "rows": rows, "share": rows / n}
    return [Finding("duplicates", Severity.WARNING, msg, target, details)]
