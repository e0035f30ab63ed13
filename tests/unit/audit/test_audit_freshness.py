from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import polars as pl

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]

# conftest's clock: 2024-06-01 00:00 UTC


def test_stale_data_is_an_error(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": [date(2024, 1, 1), date(2024, 3, 3)]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "data is stale: the newest row in `ts` is from 2024-03-03 00:00, 90.0 days old; "
        "the policy allows 30 days"
    )


def test_fresh_data_is_an_info(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": ["2024-05-01", "2024-05-30"]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("data is fresh: the newest row in `ts` is from 2024-05-30")
    assert "2.0 days old (policy: at most 30 days)" in finding.message


def test_age_is_reported_without_a_policy(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": [datetime(2024, 5, 31, 12, 0)]})
    [finding] = run_check("staleness", frame, time_column="ts")
    assert finding.severity is Severity.INFO
    assert finding.message.endswith("0.5 days old (no maximum age set)")


def test_no_time_column_no_finding(run_check: RunCheck) -> None:
    assert run_check("staleness", pl.DataFrame({"ts": ["2020-01-01"]})) == []


def test_unparsable_time_column_warns(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": ["soon", "later", "never"]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith("time column `ts` cannot be read as dates (e.g. 'soon'")


def test_partly_unparsable_time_column_warns_and_still_measures(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": ["2024-05-30", "2024-05-29", "yesterday"]})
    findings = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert [f.severity for f in findings] == [Severity.WARNING, Severity.INFO]
    assert "1 values (33.3%) cannot be read as dates, e.g. 'yesterday'" in findings[0].message


def test_rows_dated_in_the_future_warn(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": [date(2030, 1, 1)]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.WARNING
    assert "after now: check the clock or the time zone" in finding.message
