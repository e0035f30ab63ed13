"""Fairness risks in the data: small or missing groups, and features that stand in for a group."""

from __future__ import annotations

import numpy as np
import polars as pl

from modelward.audit import wording as w
from modelward.audit.checks import separation as sep
from modelward.audit.checks.target import encoded, sorted_counts
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.profile import Kind
from modelward.audit.registry import check

SMALL_SHARE, TINY_SHARE, SMALL_ROWS = 0.05, 0.01, 30
PROXY_SCORE = 0.8
# A numeric attribute with more values than this (an age) is grouped into quartiles.
MAX_GROUPS = 20
SHOWN_GROUPS = 10


def groups(series: pl.Series) -> pl.Series:
    """Group labels of a sensitive attribute: its values, or quartile ranges if continuous."""
    if not _continuous(series):
        return series.cast(pl.String)
    numbers = series.cast(pl.Float64)
    quantiles = (numbers.quantile(f, "nearest") for f in (0.25, 0.5, 0.75))
    cuts = np.array(sorted({float(q) for q in quantiles if q is not None}))
    # Right-closed bins, as quantiles are: a value equal to a cut belongs to the lower group.
    codes = np.searchsorted(cuts, numbers.fill_null(np.nan).to_numpy(), side="left")
    binned = pl.DataFrame({"code": codes, "x": numbers}).with_columns(
        pl.when(pl.col("x").is_null()).then(None).otherwise(pl.col("code")).alias("code")
    )
    # Each group is labelled by the range of values it holds, e.g. `18–37`.
    ranges = binned.group_by("code").agg(
        pl.col("x").min().alias("lo"), pl.col("x").max().alias("hi")
    )
    labels = {
        int(code): f"{w.number(lo)}–{w.number(hi)}"
        for code, lo, hi in ranges.drop_nulls().sort("code").iter_rows()
    }
    # An Enum keeps the groups in the order of their values, lowest first.
    ordered = pl.Enum(list(labels.values()))
    return (
        binned["code"]
        .replace_strict(labels, default=None, return_dtype=ordered)
        .rename(series.name)
    )


def group_sizes(ctx: AuditContext, name: str) -> list[tuple[str, int]]:
    """Rows per group: ranges lowest first, values largest group first.

    Counted from the value counts of the raw values where the context has them.
    """
    column = ctx.frame[name]
    if _continuous(column):
        counts = groups(column).drop_nulls().value_counts(name="n").sort(name)
        return [(str(g), int(n)) for g, n in counts.iter_rows()]
    known = ctx.value_counts.get(name)
    if known is None:
        known = column.drop_nulls().value_counts(name="n").rename({name: "value"})
    return sorted_counts(known)


def _continuous(series: pl.Series) -> bool:
    return Kind.of(series.dtype).numeric and series.drop_nulls().n_unique() > MAX_GROUPS


@check("representativeness")
def representativeness(ctx: AuditContext) -> list[Finding]:
    """Group sizes of each sensitive attribute: tiny, single or missing groups."""
    out: list[Finding] = []
    for attr in ctx.sensitive:
        column = ctx.frame[attr]
        out += _groups(attr, group_sizes(ctx, attr))
        missing = column.null_count()
        if missing:
            msg = (
                f"sensitive attribute `{attr}` is missing in {w.count(missing)} rows "
                f"({w.share(missing, len(column))}): fairness cannot be measured for them"
            )
            out.append(
                Finding("representativeness", Severity.WARNING, msg, attr, {"missing": missing})
            )
    return out


def _groups(attr: str, sizes: list[tuple[str, int]]) -> list[Finding]:
    total = sum(n for _, n in sizes)
    if not sizes:
        msg = (
            f"sensitive attribute `{attr}` has no values: fairness across its groups cannot be "
            "measured"
        )
        return [Finding("representativeness", Severity.ERROR, msg, attr, {})]
    shares = {g: n / total for g, n in sizes}
    listed = ", ".join(f"`{g}` {w.share(n, total)} ({w.count(n)})" for g, n in sizes[:SHOWN_GROUPS])
    more = f" and {len(sizes) - SHOWN_GROUPS} more" if len(sizes) > SHOWN_GROUPS else ""
    msg = f"sensitive attribute `{attr}` groups: {listed}{more}"
    out = [
        Finding("representativeness", Severity.INFO, msg, attr, {"shares": shares, "rows": total})
    ]
    if len(sizes) == 1:
        msg = (
            f"sensitive attribute `{attr}` has a single group (`{sizes[0][0]}`): fairness across "
            "groups cannot be measured"
        )
        out.append(Finding("representativeness", Severity.ERROR, msg, attr, {"groups": 1}))
        return out
    tiny = [(g, n) for g, n in sizes if n / total < TINY_SHARE]
    small = [
        (g, n)
        for g, n in sizes
        if (g, n) not in tiny and (n / total < SMALL_SHARE or n < SMALL_ROWS)
    ]
    for severity, found, word in (
        (Severity.ERROR, tiny, "tiny"),
        (Severity.WARNING, small, "small"),
    ):
        if found:
            named = ", ".join(
                f"`{g}` ({w.count(n)} rows, {w.share(n, total)})" for g, n in found[:SHOWN_GROUPS]
            )
            msg = (
                f"sensitive attribute `{attr}`: {word} groups {named}; metrics for them will be "
                "unreliable: collect more rows or merge groups"
            )
            out.append(Finding("representativeness", severity, msg, attr, {"groups": dict(found)}))
    return out


@check("sensitive_proxies")
def sensitive_proxies(ctx: AuditContext) -> list[Finding]:
    """Features that predict a sensitive attribute on their own (ROC-AUC of 0.8 or more)."""
    skip = {*ctx.sensitive, *ctx.id_columns, ctx.target}
    features = [
        c
        for c in ctx.features
        if c not in skip and ctx.profiles[c].n_distinct >= 2 and sep.encodable(ctx.frame.schema[c])
    ]
    out: list[Finding] = []
    for attr in ctx.sensitive:
        labels = groups(ctx.sample[attr])
        rows = labels.is_not_null().to_numpy()
        targets = _one_vs_rest(labels)
        for name in features:
            enc = encoded(ctx, name)
            scored = [(sep.binary_score(enc, positive, rows), g) for g, positive in targets]
            if not scored:
                continue
            score, group = max(scored)
            if score >= PROXY_SCORE:
                msg = (
                    f"column `{name}` is a proxy for sensitive attribute `{attr}`: on its "
                    f"own it tells group `{group}` apart with ROC-AUC {w.score(score)}; a "
                    f"model can discriminate through it even without `{attr}`"
                )
                details: dict[str, JSON] = {"attribute": attr, "group": group, "roc_auc": score}
                out.append(Finding("sensitive_proxies", Severity.WARNING, msg, name, details))
    return out


def _one_vs_rest(labels: pl.Series) -> list[tuple[str, sep.BoolArray]]:
    counts = labels.drop_nulls().value_counts(sort=True, name="n")
    names = [str(g) for g in counts[labels.name]][:MAX_GROUPS]
    # With two groups, telling one apart is telling the other apart: score one only.
    names = names[1:] if len(names) == 2 else names
    return [(g, (labels == g).fill_null(False).to_numpy()) for g in names]
