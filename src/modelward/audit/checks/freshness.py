"""Staleness: how old the newest row is, against the policy's maximum age."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from modelward.audit import wording as w
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.registry import check

CHECK = "staleness"
# Tried in order on text time columns; None, last, lets polars infer the format from the values
# (slower on a whole column, so only when no explicit format reads any value).
DATE_FORMATS: tuple[str | None, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    None,
)


@check(CHECK)
def staleness(ctx: AuditContext) -> list[Finding]:
    """Age of the newest row in the time column against the policy's maximum age in days."""
    name = ctx.time_column
    if name is None:
        return []
    parsed, problems = as_datetimes(ctx, name)
    newest = None if parsed is None else parsed.max()
    if not isinstance(newest, datetime):
        return problems or [_unparsable(ctx, name)]
    age = (_aware(ctx.now) - _aware(newest)).total_seconds() / 86400
    details: dict[str, JSON] = {
        "newest": newest.isoformat(),
        "age_days": age,
        "max_age_days": ctx.max_age_days,
    }
    when = f"the newest row in `{name}` is from {newest:%Y-%m-%d %H:%M}"
    if age < 0:
        msg = (
            f"{when}, {w.number(-age)} days after now: check the clock or the time zone of the data"
        )
        return [*problems, Finding(CHECK, Severity.WARNING, msg, name, details)]
    if ctx.max_age_days is None:
        msg = f"{when}, {age:.1f} days old (no maximum age set)"
        return [*problems, Finding(CHECK, Severity.INFO, msg, name, details)]
    if age > ctx.max_age_days:
        msg = (
            f"data is stale: {when}, {age:.1f} days old; the policy allows "
            f"{w.number(ctx.max_age_days)} days"
        )
        return [*problems, Finding(CHECK, Severity.ERROR, msg, name, details)]
    msg = (
        f"data is fresh: {when}, {age:.1f} days old (policy: at most {w.number(ctx.max_age_days)} "
        "days)"
    )
    return [*problems, Finding(CHECK, Severity.INFO, msg, name, details)]


def as_datetimes(ctx: AuditContext, name: str) -> tuple[pl.Series | None, list[Finding]]:
    """The column as datetimes, and a warning for the values that are not dates."""
    column = ctx.frame[name]
    if column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime):
        return column.cast(pl.Datetime("us")) if column.dtype == pl.Date else column, []
    if column.dtype not in (pl.String, pl.Categorical):
        return None, []
    values = column.cast(pl.String).str.strip_chars()
    found, fmt = _best_format(ctx.sample[name].cast(pl.String).str.strip_chars())
    if not found:
        return None, []
    parsed = values.str.to_datetime(fmt, strict=False)
    bad = values.is_not_null() & parsed.is_null()
    n_bad = int(bad.sum())
    if not n_bad:
        return parsed, []
    examples = values.filter(bad).unique(maintain_order=True).head(3)
    msg = (
        f"time column `{name}`: {w.count(n_bad)} values ({w.share(n_bad, len(values))}) cannot be "
        f"read as dates, e.g. {w.values(examples)}"
    )
    return parsed, [Finding(CHECK, Severity.WARNING, msg, name, {"unparsable": n_bad})]


def _best_format(sample: pl.Series) -> tuple[bool, str | None]:
    """Whether any format reads a sample value, and the one reading most (None: inferred)."""
    best: tuple[int, str | None] = (0, None)
    for fmt in DATE_FORMATS:
        try:
            parsed = sample.str.to_datetime(fmt, strict=False)
        except pl.exceptions.PolarsError:  # inference fails outright when nothing looks like a date
            continue
        if parsed.count() > best[0]:
            best = (parsed.count(), fmt)
    return best[0] > 0, best[1]


def _unparsable(ctx: AuditContext, name: str) -> Finding:
    examples = ctx.frame[name].drop_nulls().head(3)
    msg = (
        f"time column `{name}` cannot be read as dates (e.g. {w.values(examples)}); "
        "store it as dates, for example YYYY-MM-DD"
    )
    return Finding(CHECK, Severity.WARNING, msg, name, {"dtype": str(ctx.frame.schema[name])})


def _aware(moment: datetime | date) -> datetime:
    """Naive times are read as UTC, so that naive data and an aware clock compare."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
