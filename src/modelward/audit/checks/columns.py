"""Checks on whole columns: constant, high-cardinality and id-like columns."""

from __future__ import annotations

import polars as pl

from modelward.audit import wording as w
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.profile import ColumnProfile, Kind
from modelward.audit.registry import check

NEAR_CONSTANT = 0.99
HIGH_CARDINALITY = 0.5
# Below these sizes shares say little: three rows of three values are not "high cardinality".
MIN_ROWS_NEAR_CONSTANT = 100
MIN_ROWS_CARDINALITY = 20


@check("constant_columns")
def constant_columns(ctx: AuditContext) -> list[Finding]:
    """Columns with one value in every row, or one value in more than 99% of the rows."""
    out: list[Finding] = []
    candidates: list[ColumnProfile] = []
    for name in ctx.features:
        p = ctx.profiles[name]
        if p.n_distinct == 1:
            out.append(_constant(ctx, p))
        elif _may_be_near_constant(p):
            candidates.append(p)
    for p, (value, n) in zip(candidates, _tops(ctx, candidates), strict=True):
        if n / p.n_present > NEAR_CONSTANT:
            msg = (
                f"column `{p.name}` is almost constant: {w.value(value)} in "
                f"{w.share(n, p.n_present)} of rows ({w.count(n)} of {w.count(p.n_present)}); "
                "it carries little information"
            )
            details: dict[str, JSON] = {
                "value": w.value(value),
                "rows": n,
                "share": n / p.n_present,
            }
            out.append(Finding("constant_columns", Severity.WARNING, msg, p.name, details))
    return out


def _may_be_near_constant(p: ColumnProfile) -> bool:
    # One value in more than 99% of the rows leaves room for at most 1% + 1 distinct values.
    limit = p.n_present * (1 - NEAR_CONSTANT) + 1
    return 2 <= p.n_distinct <= limit and p.n_present >= MIN_ROWS_NEAR_CONSTANT


def _tops(ctx: AuditContext, columns: list[ColumnProfile]) -> list[tuple[object, int]]:
    """The most common value of each column and its count, from value counts where known."""
    tops: dict[str, tuple[object, int]] = {}
    rest = []
    for p in columns:
        counts = ctx.value_counts.get(p.name)
        if counts is None:
            rest.append(p.name)
        else:
            value, n = counts.sort("n", descending=True).row(0)
            tops[p.name] = (value, int(n))
    if rest:
        row = ctx.frame.select(
            pl.col(n).drop_nulls().value_counts(sort=True, name="n").first().alias(n) for n in rest
        ).row(0, named=True)
        tops |= {n: (row[n][n], int(row[n]["n"])) for n in rest}
    return [tops[p.name] for p in columns]


def _constant(ctx: AuditContext, p: ColumnProfile) -> Finding:
    value = ctx.frame[p.name].drop_nulls().head(1).item()
    if p.n_null:
        msg = (
            f"column `{p.name}` has one value ({w.value(value)}) apart from {w.count(p.n_null)} "
            "missing values: only whether it is missing carries information"
        )
    else:
        msg = f"column `{p.name}` has the same value ({w.value(value)}) in every row: drop it"
    return Finding("constant_columns", Severity.WARNING, msg, p.name, {"value": w.value(value)})


@check("high_cardinality")
def high_cardinality(ctx: AuditContext) -> list[Finding]:
    """Categorical text columns with more than half as many distinct values as rows."""
    out = []
    for name in ctx.features:
        p = ctx.profiles[name]
        if p.kind is not Kind.STRING or p.free_text or name in ctx.id_columns:
            continue
        if p.n_present < MIN_ROWS_CARDINALITY or p.n_distinct <= HIGH_CARDINALITY * p.n_present:
            continue
        msg = (
            f"column `{name}` has {w.count(p.n_distinct)} distinct values in "
            f"{w.count(p.n_present)} rows ({w.share(p.n_distinct, p.n_present)}): too many "
            "categories to learn from; group the rare ones or encode them"
        )
        details = {"distinct": p.n_distinct, "rows": p.n_present}
        out.append(Finding("high_cardinality", Severity.WARNING, msg, name, details))
    return out


@check("id_columns")
def id_columns(ctx: AuditContext) -> list[Finding]:
    """Columns that look like row identifiers (unique counters, unique codes, id-like names)."""
    return [
        Finding(
            "id_columns",
            Severity.WARNING,
            f"column `{name}` looks like a row id ({reason}): drop it before training",
            name,
            {"reason": reason},
        )
        for name, reason in ctx.id_columns.items()
    ]
