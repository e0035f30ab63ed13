"""Staleness: how old the newest row is, against the policy's maximum age.

Without a declared time column, every date-like column is read (dates, or text that reads as
dates): the newest date among them says how old the data is, and data over the policy's (or
the default) maximum age is flagged. Birth dates say nothing about freshness and are skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from modelward.audit import wording as w
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.registry import check

CHECK = "staleness"
DEFAULT_MAX_AGE_DAYS = 365.0  # without a policy, data a year past its newest date is suspect
MIN_DATE_SHARE = 0.9  # of a text column's sampled values that must read as dates
BIRTH_WORDS = ("birth", "dob", "born")
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
        return _undeclared_dates(ctx)
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


def _undeclared_dates(ctx: AuditContext) -> list[Finding]:
    """A warning when the newest date of any date-like column is older than the maximum age."""
    newest = {name: found for name in ctx.profiles if (found := _newest_date(ctx, name))}
    if not newest:
        return []
    name, latest = max(newest.items(), key=lambda item: _aware(item[1]))
    age = (_aware(ctx.now) - _aware(latest)).total_seconds() / 86400
    limit = ctx.max_age_days if ctx.max_age_days is not None else DEFAULT_MAX_AGE_DAYS
    if age <= limit:
        return []
    allowed = "the policy allows" if ctx.max_age_days is not None else "allowed by default"
    msg = (
        f"data may be stale: its newest date, in `{name}`, is {latest:%Y-%m-%d}, "
        f"{w.number(age)} days old, over the {w.number(limit)} days {allowed}; refresh the "
        f"data, or if rows are dated by `{name}`, name it the spec's `time_column` (with "
        "`staleness.max_age_days`) so that freshness is judged on it"
    )
    details: dict[str, JSON] = {
        "newest": latest.isoformat(),
        "age_days": age,
        "max_age_days": limit,
        "date_columns": sorted(newest),
    }
    return [Finding(CHECK, Severity.WARNING, msg, name, details)]


def _newest_date(ctx: AuditContext, name: str) -> date | None:
    """The newest value of a date-like column that is not a birth date; None for the others."""
    if any(word in name.lower() for word in BIRTH_WORDS):
        return None
    column = ctx.frame[name]
    if column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime):
        found = column.max()
    elif column.dtype == pl.String:
        # a thousand values tell dates from other text; most text has no digit at all
        sample = ctx.sample[name].drop_nulls().str.strip_chars().head(1000)
        with_digits = int(sample.str.contains(r"\d").sum())
        if sample.is_empty() or with_digits < MIN_DATE_SHARE * len(sample):
            return None
        readable, fmt = _best_format(sample)
        if not readable or sample.str.to_datetime(fmt, strict=False).count() < (
            MIN_DATE_SHARE * len(sample)
        ):
            return None
        found = column.str.strip_chars().str.to_datetime(fmt, strict=False).max()
    else:
        return None
    return found if isinstance(found, date) else None


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
