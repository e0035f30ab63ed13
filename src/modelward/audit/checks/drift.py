"""Changes against the parent dataset version: schema changes and distribution drift (PSI)."""

from __future__ import annotations

import numpy as np
import polars as pl

from modelward.audit import wording as w
from modelward.audit.checks.separation import FloatArray
from modelward.audit.context import AuditContext
from modelward.audit.findings import Finding, Severity
from modelward.audit.profile import Kind
from modelward.audit.registry import check
from modelward.datasets import psi

MODERATE, MAJOR = 0.1, 0.25
QUANTILE_BINS = 10
# Categories beyond the parent's most common ones are pooled, so that a column of many rare
# values does not read as drift merely because the samples differ.
TOP_CATEGORIES = 20


def numeric_psi(parent: pl.Series, current: pl.Series) -> float:
    """PSI over ten quantile bins of the parent, plus one bin for missing values."""
    ref = parent.cast(pl.Float64).fill_nan(None)
    quantiles = [ref.quantile(q / QUANTILE_BINS, "nearest") for q in range(1, QUANTILE_BINS)]
    breaks = np.unique(np.array([q for q in quantiles if q is not None], dtype=np.float64))
    return psi(
        _bin_counts(ref, breaks), _bin_counts(current.cast(pl.Float64).fill_nan(None), breaks)
    )


def _bin_counts(values: pl.Series, breaks: FloatArray) -> FloatArray:
    x = values.fill_null(np.nan).to_numpy()
    missing = np.isnan(x)
    codes = np.where(
        missing, len(breaks) + 1, np.searchsorted(breaks, np.nan_to_num(x), side="right")
    )
    return np.bincount(codes, minlength=len(breaks) + 2).astype(np.float64)


def categorical_psi(parent: pl.Series, current: pl.Series) -> float:
    """PSI over the parent's most common categories, the rest pooled, and missing values."""
    ref, cur = parent.cast(pl.String), current.cast(pl.String)
    top = (
        ref.drop_nulls().value_counts(sort=True, name="n").head(TOP_CATEGORIES)[ref.name].to_list()
    )

    def counts(s: pl.Series) -> FloatArray:
        found = [float((s == c).sum()) for c in top]
        other = float((s.is_not_null() & ~s.is_in(top)).sum())
        return np.array([*found, other, float(s.null_count())])

    return psi(counts(ref), counts(cur))


@check("drift")
def drift(ctx: AuditContext) -> list[Finding]:
    """Distribution shift of each common column against the parent version (PSI)."""
    parent = ctx.parent_sample
    if parent is None:
        return []
    common = [name for name in ctx.frame.columns if name in parent.columns]
    scores = {n: v for n in common if (v := _column_psi(ctx, parent, n)) is not None}
    out = [f for name, value in scores.items() if (f := _drift_finding(name, value)) is not None]
    if not out and scores:
        name = max(scores, key=scores.__getitem__)
        msg = (
            f"no drift against the parent version in {w.count(len(scores))} common columns "
            f"(largest PSI {scores[name]:.3f}, on `{name}`)"
        )
        out.append(Finding("drift", Severity.INFO, msg, None, {"psi": scores}))
    return out


def _column_psi(ctx: AuditContext, parent: pl.DataFrame, name: str) -> float | None:
    kind, parent_kind = Kind.of(ctx.frame.schema[name]), Kind.of(parent.schema[name])
    if (
        name in ctx.id_columns
        or Kind.TEMPORAL in (kind, parent_kind)
        or Kind.OTHER in (kind, parent_kind)
    ):
        return None
    if (
        kind.numeric
        and parent_kind.numeric
        and parent[name].drop_nulls().n_unique() > TOP_CATEGORIES
    ):
        return numeric_psi(parent[name], ctx.sample[name])
    return categorical_psi(parent[name], ctx.sample[name])


def _drift_finding(name: str, value: float) -> Finding | None:
    if value < MODERATE:
        return None
    details = {"psi": value}
    if value >= MAJOR:
        msg = (
            f"column `{name}` drifted from the parent version: PSI {value:.3f} (0.25 or more is a "
            "major shift)"
        )
        return Finding("drift", Severity.ERROR, msg, name, details)
    msg = (
        f"column `{name}` shifted from the parent version: PSI {value:.3f} (0.1 to 0.25 is a "
        "moderate shift)"
    )
    return Finding("drift", Severity.WARNING, msg, name, details)


@check("schema_changes")
def schema_changes(ctx: AuditContext) -> list[Finding]:
    """Columns added, removed or retyped since the parent version."""
    if ctx.parent is None:
        return []
    before, after = ctx.parent.schema, ctx.frame.schema
    out = []
    for name in after:
        if name not in before:
            msg = f"column `{name}` is new: the parent version does not have it"
            out.append(Finding("schema_changes", Severity.WARNING, msg, name, {"change": "added"}))
        elif before[name] != after[name]:
            msg = (
                f"column `{name}` changed type from {before[name]} to {after[name]} since the "
                "parent version"
            )
            details = {"change": "type", "before": str(before[name]), "after": str(after[name])}
            out.append(Finding("schema_changes", Severity.WARNING, msg, name, details))
    for name in before:
        if name not in after:
            msg = f"column `{name}` of the parent version is gone"
            out.append(
                Finding("schema_changes", Severity.WARNING, msg, name, {"change": "removed"})
            )
    return out
