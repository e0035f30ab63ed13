"""Outliers in numeric columns, by robust rules that a few extreme values cannot move."""

from __future__ import annotations

import math

import polars as pl

from modelward.audit import wording as w
from modelward.audit.context import AuditContext
from modelward.audit.findings import Finding, Severity
from modelward.audit.profile import ColumnProfile
from modelward.audit.registry import check

IQR_FACTOR = 3.0
ROBUST_Z = 5.0
# A share of outliers above this is a heavy tail (a shape to transform), not a few bad values.
HEAVY_TAIL = 0.01
# In a large table a few values just past the fences are the normal tail; they are named only
# when they are many (this share) or far out (this many robust standard deviations).
FEW, FAR_Z = 0.001, 10.0
# Integer codes with few values (ratings, counts of children) have no outliers worth naming.
MIN_DISTINCT = 10
MAD_TO_SIGMA, IQR_TO_SIGMA = 0.6745, 1.349


@check("outliers")
def outliers(ctx: AuditContext) -> list[Finding]:
    """Numeric values beyond Q1/Q3 ± 3·IQR or with a robust z-score (by MAD) above 5."""
    columns = [
        p
        for p in ctx.profiles.values()
        if p.kind.numeric and p.n_distinct >= MIN_DISTINCT and p.name not in ctx.id_columns
    ]
    bounds = _bounds(ctx.sample, columns)
    if not bounds:
        return []
    counts = ctx.frame.select(
        ((_number(n) < lo) | (_number(n) > hi)).sum().alias(n)
        for n, (lo, hi, _, _) in bounds.items()
    ).row(0, named=True)
    found = [_finding(ctx.profiles[name], int(n), *bounds[name]) for name, n in counts.items() if n]
    return [f for f in found if f is not None]


def _number(name: str) -> pl.Expr:
    # NaN sorts above every number in polars; as a missing value it is no outlier.
    return pl.col(name).cast(pl.Float64).fill_nan(None)


def _bounds(
    sample: pl.DataFrame, columns: list[ColumnProfile]
) -> dict[str, tuple[float, float, float, float]]:
    """Per column: the interval outside which a value is an outlier, the median and spread."""
    if not columns:
        return {}
    exprs = []
    for p in columns:
        x = _number(p.name)
        exprs += [
            x.quantile(0.25, "linear").alias(f"{p.name}\x00q1"),
            x.quantile(0.75, "linear").alias(f"{p.name}\x00q3"),
            x.median().alias(f"{p.name}\x00med"),
            (x - x.median()).abs().median().alias(f"{p.name}\x00mad"),
        ]
    stats = sample.select(exprs).row(0, named=True)
    out = {}
    for p in columns:
        q1, q3, med, mad = (stats[f"{p.name}\x00{k}"] for k in ("q1", "q3", "med", "mad"))
        if q1 is None or med is None:
            continue
        lo, hi = -math.inf, math.inf
        if q3 > q1:
            lo, hi = q1 - IQR_FACTOR * (q3 - q1), q3 + IQR_FACTOR * (q3 - q1)
        if mad > 0:
            spread = ROBUST_Z * mad / MAD_TO_SIGMA
            lo, hi = max(lo, med - spread), min(hi, med + spread)
        sigma = mad / MAD_TO_SIGMA if mad > 0 else (q3 - q1) / IQR_TO_SIGMA
        if math.isfinite(lo) and sigma > 0:
            out[p.name] = (lo, hi, med, sigma)
    return out


def _finding(
    p: ColumnProfile, n: int, lo: float, hi: float, med: float, sigma: float
) -> Finding | None:
    extremes = [x for x in (p.lo, p.hi) if x is not None and not lo <= x <= hi]
    extreme = max(extremes, key=lambda x: abs(x - med)) if extremes else med
    share = n / p.n_present
    z = abs(extreme - med) / sigma
    if share < FEW and z < FAR_Z:
        return None
    fence = f"[{w.number(lo)}, {w.number(hi)}]"
    details = {
        "outliers": n,
        "share": share,
        "low": lo,
        "high": hi,
        "example": extreme,
        "robust_z": z,
    }
    if share > HEAVY_TAIL:
        msg = (
            f"column `{p.name}` has a heavy tail: {w.count(n)} values ({w.share(n, p.n_present)}) "
            f"lie outside {fence}, up to {w.number(extreme)}; consider a log or rank transform"
        )
        return Finding("outliers", Severity.INFO, msg, p.name, details)
    msg = (
        f"column `{p.name}`: {w.count(n)} outliers ({w.share(n, p.n_present)}) outside {fence}, "
        f"e.g. {w.number(extreme)}; check whether they are errors or placeholder values"
    )
    return Finding("outliers", Severity.WARNING, msg, p.name, details)
